// The admin API's interactive docs: reads openapi.json and renders a form per operation.
// Plain script, no dependencies, served from this origin only (CSP script-src 'self').
// Everything is built with textContent: nothing from the API is ever parsed as HTML.
(function () {
  "use strict";
  var apiKey = "";
  var doc = null;
  var main = document.getElementById("operations");
  var keyInput = document.getElementById("key");
  var keyState = document.getElementById("key-state");

  keyInput.addEventListener("input", function () {
    apiKey = keyInput.value.trim();
    keyState.textContent = apiKey ? "set" : "not set: requests will answer 401";
  });
  document.getElementById("auth").addEventListener("submit", function (e) {
    e.preventDefault();
  });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(c);
    });
    return node;
  }

  function resolve(schema) {
    if (schema?.$ref) {
      var name = schema.$ref.split("/").pop();
      return doc.components?.schemas?.[name] || {};
    }
    return schema || {};
  }

  // A starting value for a request body: required fields with plausible placeholders.
  function example(schema, depth) {
    schema = resolve(schema);
    if (depth > 6) return null;
    if (schema.default !== undefined) return schema.default;
    if (schema.enum) return schema.enum[0];
    if (schema.const !== undefined) return schema.const;
    var options = schema.oneOf || schema.anyOf;
    if (options?.length) return example(options[0], depth + 1);
    if (schema.allOf)
      return schema.allOf.reduce(function (acc, s) {
        return Object.assign(acc, example(s, depth + 1));
      }, {});
    switch (schema.type) {
      case "object":
        var out = {};
        (schema.required || []).forEach(function (name) {
          out[name] = example(schema.properties?.[name], depth + 1);
        });
        return out;
      case "array":
        return [];
      case "integer":
      case "number":
        return schema.minimum !== undefined ? schema.minimum : 0;
      case "boolean":
        return false;
      case "string":
        return schema.format === "uuid" ? "00000000-0000-4000-8000-000000000000" : "";
      default:
        return null;
    }
  }

  function field(param) {
    var input = el("input", { name: param.name, placeholder: param.required ? "required" : "optional" });
    if (param.schema && param.schema.default !== undefined) input.placeholder = `default ${param.schema.default}`;
    return { param: param, input: input, row: el("label", { className: "field" }, [el("span", { text: `${param.name} (${param.in})` }), input]) };
  }

  function renderOperation(path, method, op) {
    var fields = (op.parameters || []).map(field);
    var bodySchema = op.requestBody?.content["application/json"].schema;
    var textarea = bodySchema ? el("textarea", { spellcheck: "false" }) : null;
    if (textarea) textarea.value = JSON.stringify(example(bodySchema, 0), null, 2);
    var status = el("span", { className: "status" });
    var output = el("pre", { text: "" });
    output.hidden = true;
    var send = el("button", { type: "button", text: "Send" });
    send.addEventListener("click", function () {
      var url = path;
      var query = new URLSearchParams();
      fields.forEach(function (f) {
        var value = f.input.value.trim();
        if (f.param.in === "path") url = url.replace(`{${f.param.name}}`, encodeURIComponent(value));
        else if (value) query.set(f.param.name, value);
      });
      if (String(query)) url += `?${query}`;
      var init = { method: method.toUpperCase(), headers: {} };
      if (apiKey) init.headers.authorization = `Bearer ${apiKey}`;
      if (textarea) {
        init.headers["content-type"] = "application/json";
        init.body = textarea.value;
      }
      status.textContent = "…";
      fetch(url, init)
        .then(function (res) {
          status.textContent = `${res.status} ${res.statusText}`;
          return res.text();
        })
        .then(function (text) {
          try {
            text = JSON.stringify(JSON.parse(text), null, 2);
          } catch (_e) {
            /* not JSON */
          }
          output.textContent = text || "(no body)";
          output.hidden = false;
        })
        .catch(function (err) {
          status.textContent = `request failed: ${err.message}`;
        });
    });
    var okStatus = Object.keys(op.responses || {})[0];
    var okSchema = okStatus && op.responses[okStatus].content?.["application/json"].schema;
    var schemaView = el("details", {}, [
      el("summary", { text: `Response ${okStatus} schema` }),
      el("pre", { text: JSON.stringify(okSchema || null, null, 2) }),
    ]);
    return el("details", { className: "op" }, [
      el("summary", {}, [
        el("span", { className: `method ${method.toUpperCase()}`, text: method.toUpperCase() }),
        el("span", { className: "path", text: path }),
        el("span", { className: "summary", text: op.summary || "" }),
      ]),
      el("div", { className: "body" }, [
        op.description ? el("p", { text: op.description }) : null,
        el(
          "div",
          {},
          fields.map(function (f) {
            return f.row;
          }),
        ),
        textarea ? el("p", { text: "Body (JSON)" }) : null,
        textarea,
        el("p", {}, [send, status]),
        output,
        schemaView,
      ]),
    ]);
  }

  function render() {
    document.getElementById("description").textContent = doc.info.description || "";
    main.textContent = "";
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = op.tags?.[0] || "other";
        (byTag[tag] = byTag[tag] || []).push(renderOperation(path, method, op));
      });
    });
    Object.keys(byTag).forEach(function (tag) {
      main.appendChild(el("h2", { text: tag }));
      byTag[tag].forEach(function (node) {
        main.appendChild(node);
      });
    });
  }

  fetch(main.getAttribute("data-openapi"))
    .then(function (res) {
      return res.json();
    })
    .then(function (json) {
      doc = json;
      render();
    })
    .catch(function (err) {
      main.textContent = `Could not load the API description: ${err.message}`;
    });
})();
