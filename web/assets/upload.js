// 数据导入: sends the chosen file as the request body with a progress bar (the form still works without script).
(function () {
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest) return;
  form.addEventListener("submit", function (event) {
    var input = document.getElementById("upload-file");
    if (!input.files || input.files.length !== 1) return;
    event.preventDefault();
    var file = input.files[0];
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    bar.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") + "?name=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-CSRF-Token", form.getAttribute("data-csrf"));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = Math.round(e.loaded * 100 / e.total); status.textContent = "已上传 " + bar.value + "%"; } };
    xhr.upload.onload = function () { status.textContent = "上传完成，正在校验与入库……"; };
    xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
    xhr.onerror = function () { status.textContent = "上传失败，请重试"; };
    xhr.send(file);
  });
})();
