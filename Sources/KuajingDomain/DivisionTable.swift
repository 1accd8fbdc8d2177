// Generated from shared/reference/divisions.csv (administrative divisions with GB/T 2260 codes, plus
// functional zones without a code). Regenerate with `python3 scripts/embed-divisions.py`; a test checks
// that this copy equals the shared file when the latter is present.
extension DivisionCatalog {
    public static let embeddedCSV = """
code,name,level,parent_code,parent_name,note
330100,杭州市,city,330000,浙江省,
330102,上城区,district,330100,杭州市,
330105,拱墅区,district,330100,杭州市,
330106,西湖区,district,330100,杭州市,
330108,滨江区,district,330100,杭州市,
330109,萧山区,district,330100,杭州市,
330110,余杭区,district,330100,杭州市,
330111,富阳区,district,330100,杭州市,
330112,临安区,district,330100,杭州市,
330113,临平区,district,330100,杭州市,
330114,钱塘区,district,330100,杭州市,
330122,桐庐县,county,330100,杭州市,
330127,淳安县,county,330100,杭州市,
330182,建德市,county_city,330100,杭州市,
331000,台州市,city,330000,浙江省,
331002,椒江区,district,331000,台州市,
331003,黄岩区,district,331000,台州市,
331004,路桥区,district,331000,台州市,
331022,三门县,county,331000,台州市,
331023,天台县,county,331000,台州市,
331024,仙居县,county,331000,台州市,
331081,温岭市,county_city,331000,台州市,
331082,临海市,county_city,331000,台州市,
331083,玉环市,county_city,331000,台州市,
,台州湾新区,functional_zone,331000,台州市,"not an administrative division (no GB/T 2260 code); a management zone named by the Taizhou policy as part of its scope (市区 = 椒江区, 黄岩区, 路桥区, 台州湾新区)"
330400,嘉兴市,city,330000,浙江省,
330402,南湖区,district,330400,嘉兴市,
330411,秀洲区,district,330400,嘉兴市,
330421,嘉善县,county,330400,嘉兴市,
330424,海盐县,county,330400,嘉兴市,
330481,海宁市,county_city,330400,嘉兴市,
330482,平湖市,county_city,330400,嘉兴市,
330483,桐乡市,county_city,330400,嘉兴市,
"""
}
