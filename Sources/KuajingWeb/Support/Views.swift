import Foundation
import Hummingbird
import KuajingApp
import Monitoring
import Mustache

/// The templates (`web/templates/*.mustache` in the installation), loaded once at start. Every page
/// renders through `page(_:title:current:model:context:)`, which adds the chrome: navigation for the
/// viewer's role, who is signed in, the CSRF token for forms, the synthetic-data banner.
struct Views: Sendable {
    let library: MustacheLibrary
    let directory: String

    init(directory: String) async throws {
        self.directory = directory
        library = try await MustacheLibrary(directory: directory + "/templates")
    }

    func render(_ model: [String: Any], template: String) throws -> String {
        guard let html = library.render(model, withTemplate: template) else {
            throw AppError.internalFailure(detail: "页面模板 \(template) 不存在")
        }
        return html
    }

    /// A part of a page (a toolbar) from its typed view model, without the layout.
    func render<V: PageView>(_ view: V) throws -> String {
        guard let html = library.render(PageFrame(view: view, chrome: [:]), withTemplate: V.template) else {
            throw AppError.internalFailure(detail: "页面模板 \(V.template) 不存在")
        }
        return html
    }

    /// A page from its typed view model (`PageView`: display strings, flags and lists only), rendered
    /// by the view's template, inside the layout. The template sees the view's properties, and
    /// the chrome's (the CSRF token of its forms) behind them.
    func page<V: PageView>(_ view: V, title: String, current: Route?, context: WebContext, synthetic: Bool = true, status: HTTPResponse.Status = .ok) throws -> Response {
        var m = chrome(title: title, current: current, context: context, synthetic: synthetic)
        guard let content = library.render(PageFrame(view: view, chrome: m), withTemplate: V.template) else {
            throw AppError.internalFailure(detail: "页面模板 \(V.template) 不存在")
        }
        m["content"] = content
        return Reply.html(try render(m, template: "layout"), status: status)
    }

    /// A page whose content was rendered before (and cached: it holds nothing of the viewer but its scope).
    func page(content: String, title: String, current: Route?, context: WebContext, synthetic: Bool) throws -> Response {
        var m = chrome(title: title, current: current, context: context, synthetic: synthetic)
        m["content"] = content
        return Reply.html(try render(m, template: "layout"))
    }

    /// The chrome every page has: title, navigation for the viewer's role, who is signed in, the CSRF token, the synthetic banner.
    func chrome(title: String, current: Route?, context: WebContext, synthetic: Bool) -> [String: Any] {
        var m: [String: Any] = [:]
        m["title"] = title
        m["csrf"] = context.csrf ?? ""
        m["synthetic"] = synthetic
        m["stylesheet"] = Route.stylesheet.link
        m["logout"] = Route.logout.link
        if let v = context.identity {
            m["viewer"] = ["name": v.name, "displayName": v.displayName, "role": v.role.label, "scope": v.role == .enterprise ? (v.enterpriseID ?? "") : v.scopeName]
            m["nav"] = NavigationItem.all.filter { v.may($0.permission) }.map { ["title": $0.title, "link": $0.route.link, "current": $0.route == current] }
        }
        return m
    }
}

/// A page's view model: what its template shows, as display strings (money and dates formatted
/// already), flags and lists of row structs, never `[String: Any]`. An absent value is nil (an
/// empty string would be true for a mustache section). Built by the page's view function from
/// its model, which its query reads through `KuajingApp`, so a page is tested without HTTP.
protocol PageView: Sendable {
    /// The template in `web/templates` (without `.mustache`).
    static var template: String { get }
}

/// What a page template renders against: the view's properties first, then the chrome's.
struct PageFrame: MustacheParent {
    let view: any PageView
    let chrome: [String: Any]

    func child(named name: String) -> Any? {
        if let value = Mirror(reflecting: view).children.first(where: { $0.label == name })?.value {
            let inner = Mirror(reflecting: value)
            if inner.displayStyle == .optional { return inner.children.first?.value }
            return value
        }
        return chrome[name]
    }
}

/// Formatting for pages: money from fen at this boundary only (yuan with separators: `Fen.grouped`).
enum Show {
    /// 万元 with two decimals, half up (`ReportFormat.wan`).
    static func wan(_ fen: Int64) -> String { ReportFormat.wan(fen) }

    static func yi(_ fen: Int64) -> String { ReportFormat.yi(fen) }

    /// A stored time (ISO 8601 with its offset) as people read it: `2026-12-03 09:15:30` in Beijing
    /// time (+08:00, the platform's zone, left unsaid); another offset is kept after the time.
    static func time(_ iso: String) -> String {
        guard iso.count >= 19, iso.dropFirst(10).first == "T" else { return iso }
        let local = iso.prefix(10) + " " + iso.dropFirst(11).prefix(8)
        let offset = iso.dropFirst(19)
        return offset == "+08:00" || offset.isEmpty ? String(local) : String(local) + " (UTC" + offset + ")"
    }
}
