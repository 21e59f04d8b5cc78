// The API console: sends each endpoint's form as an API call from this browser, with the person's token, and shows
// the request and the answer. Without it, each form posts to the server, which makes the same call and shows it.
(function () {
  "use strict";
  function ready(run) { if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); } }
  ready(function () {
    var root = document.getElementById("console");
    if (!root) return;
    var csrf = document.querySelector("input[name=csrf_token]").value;
    var tokenElement = document.getElementById("console-token");
    var token = tokenElement ? tokenElement.textContent : "";
    var client = root.getAttribute("data-client");
    var signs = root.getAttribute("data-signs") === "true";

    function encode(pairs) {
      return pairs.map(function (p) { return encodeURIComponent(p[0]) + "=" + encodeURIComponent(p[1]); }).join("&");
    }

    function sign(endpoint, pairs) {
      var body = encode([["csrf_token", csrf], ["client", client], ["endpoint", endpoint], ["parameters", encode(pairs)]]);
      return fetch("/developer/console/sign", {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (answer) { return answer.json(); }).then(function (json) { return json.sig; });
    }

    function show(form, request, status, headers, text) {
      var exchange = form.querySelector(".exchange");
      exchange.hidden = false;
      form.querySelector(".request").textContent = request;
      var pretty = text;
      try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON: shown as it came */ }
      form.querySelector(".response").textContent = "HTTP " + status + "\n" + headers + "\n" + pretty;
      form.setAttribute("data-status", String(status));
    }

    Array.prototype.forEach.call(document.querySelectorAll("form.console-endpoint"), function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var method = form.getAttribute("data-method");
        var path = form.getAttribute("data-path");
        var query = [], fields = [], files = [];
        Array.prototype.forEach.call(form.querySelectorAll("input[data-place]"), function (input) {
          var place = input.getAttribute("data-place"), name = input.name;
          if (place === "path") { path = path.replace("{" + name + "}", encodeURIComponent(input.value.trim() || "self")); }
          else if (place === "file") { if (input.files.length) files.push([name, input.files[0]]); }
          else if (input.value !== "") { (place === "query" ? query : fields).push([name, input.value]); }
        });
        if (token) query.unshift(["access_token", token]);
        var signed = signs ? sign(path, query.concat(fields)).then(function (sig) { query.push(["sig", sig]); }) : Promise.resolve();
        signed.then(function () {
          var url = "/v1" + path + (query.length ? "?" + encode(query) : "");
          var options = { method: method, credentials: "omit" };
          var described = method + " " + location.origin + url;
          if (files.length) {
            var data = new FormData();
            fields.forEach(function (p) { data.append(p[0], p[1]); });
            files.forEach(function (p) { data.append(p[0], p[1]); });
            options.body = data;
            described += "\nContent-Type: multipart/form-data\n\n" + fields.concat(files.map(function (p) { return [p[0], "(file " + p[1].name + ")"]; }))
              .map(function (p) { return p[0] + "=" + p[1]; }).join("\n");
          } else if (fields.length) {
            options.body = encode(fields);
            options.headers = { "Content-Type": "application/x-www-form-urlencoded" };
            described += "\nContent-Type: application/x-www-form-urlencoded\n\n" + options.body;
          }
          return fetch(url, options).then(function (answer) {
            var headers = [];
            answer.headers.forEach(function (value, name) { headers.push(name + ": " + value); });
            return answer.text().then(function (text) { show(form, described, answer.status, headers.join("\n"), text); });
          });
        }).catch(function (error) { show(form, method + " " + path, 0, "", String(error)); });
      });
    });
  });
})();
