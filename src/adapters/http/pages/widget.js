// Parlor chat widget: <script src="https://chat.example/widget.js" data-channel="KEY" async></script>
// Adds a chat bubble to the page; tapping it opens the business's chat page in a frame. Everything
// comes from the server this script was loaded from: no other host is contacted.
(() => {
  const script = document.currentScript;
  if (!script?.dataset.channel || window.__parlorWidget) return;
  window.__parlorWidget = true;
  const origin = new URL(script.src, location.href).origin;
  const key = script.dataset.channel;
  const chatUrl = `${origin}/chat/${encodeURIComponent(key)}?embed=1`;
  let tint = /^#[0-9a-f]{6}$/i.test(script.dataset.color || "") ? script.dataset.color : "#2f6f4f";
  let title = "Chat with us";

  const set = (el, styles) => Object.assign(el.style, styles);
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-expanded", "false");
  button.dataset.parlor = "bubble";
  set(button, {
    position: "fixed",
    right: "20px",
    bottom: "20px",
    width: "60px",
    height: "60px",
    borderRadius: "50%",
    border: "0",
    background: tint,
    color: "#fff",
    boxShadow: "0 4px 16px rgba(0,0,0,.25)",
    cursor: "pointer",
    zIndex: "2147483002",
    display: "flex",
    alignItems: "center",
    justifyContent: "center",
    padding: "0",
  });
  // A speech bubble, drawn with the DOM (no image to fetch, nothing inline for a strict CSP to refuse).
  const icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "28");
  icon.setAttribute("height", "28");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  path.setAttribute("fill", "currentColor");
  icon.append(path);
  button.append(icon);
  const CHAT_ICON = path.getAttribute("d");
  const CLOSE_ICON = "M5.3 3.9 12 10.6l6.7-6.7 1.4 1.4-6.7 6.7 6.7 6.7-1.4 1.4-6.7-6.7-6.7 6.7-1.4-1.4 6.7-6.7-6.7-6.7z";

  const panel = document.createElement("div");
  panel.dataset.parlor = "panel";
  panel.hidden = true;
  let frame = null;
  const place = () => {
    const phone = window.innerWidth < 520;
    set(
      panel,
      phone
        ? { position: "fixed", inset: "0", width: "100%", height: "100%", borderRadius: "0", bottom: "0", right: "0" }
        : {
            position: "fixed",
            right: "20px",
            bottom: "92px",
            width: "380px",
            height: "min(600px, calc(100vh - 120px))",
            borderRadius: "16px",
            inset: "auto 20px 92px auto",
          },
    );
    set(panel, { overflow: "hidden", boxShadow: "0 8px 32px rgba(0,0,0,.3)", background: "#fff", zIndex: "2147483001" });
    set(
      button,
      phone && !panel.hidden
        ? { top: "8px", right: "8px", bottom: "auto", width: "44px", height: "44px", border: "2px solid #fff" }
        : { top: "auto", right: "20px", bottom: "20px", width: "60px", height: "60px", border: "0" },
    );
    path.setAttribute("d", panel.hidden ? CHAT_ICON : CLOSE_ICON);
  };
  const toggle = (open) => {
    if (open && !frame) {
      frame = document.createElement("iframe");
      frame.src = chatUrl;
      frame.title = title;
      frame.setAttribute("allow", "");
      set(frame, { width: "100%", height: "100%", border: "0", display: "block" });
      panel.append(frame);
    }
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", open ? "Close the chat" : title);
    place();
  };
  button.addEventListener("click", () => toggle(panel.hidden));
  // The chat page asks for its session id when the browser refuses it storage inside a frame: it is
  // kept in this site's storage and sent only to the chat server's origin.
  window.addEventListener("message", (e) => {
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin || e.data?.parlor !== "session?") return;
    const item = `parlor-webchat-session-${key}`;
    let id = null;
    try {
      id = localStorage.getItem(item);
      if (!id) {
        id = crypto.randomUUID().replaceAll("-", "");
        localStorage.setItem(item, id);
      }
    } catch {
      id = crypto.randomUUID().replaceAll("-", "");
    }
    frame.contentWindow.postMessage({ parlor: "session", id }, origin);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden) {
      toggle(false);
      button.focus();
    }
  });
  window.addEventListener("resize", place);

  const mount = () => {
    document.body.append(panel, button);
    place();
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  // The business's colour and name, from the same server.
  fetch(`${origin}/api/webchat/${encodeURIComponent(key)}/profile`)
    .then((res) => (res.ok ? res.json() : res.status === 404 ? { missing: true } : null))
    .then((profile) => {
      if (!profile) return;
      // A chat the business switched off, or a key that names none: no bubble that leads nowhere.
      if (profile.missing || profile.open === false) {
        button.style.display = "none";
        panel.hidden = true;
        return;
      }
      if (/^#[0-9a-f]{6}$/i.test(profile.color || "")) tint = profile.color;
      title = `Chat with ${profile.businessName}`;
      button.style.background = tint;
      if (panel.hidden) button.setAttribute("aria-label", title);
      if (frame) frame.title = title;
    })
    .catch(() => {});
})();
