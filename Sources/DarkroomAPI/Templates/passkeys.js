// Passkeys: each form with data-passkey asks the server for options (a challenge), has the browser's authenticator
// answer, and posts the answer as the form itself. Without script, or without WebAuthn, the forms stay hidden and
// the page says so.
(function () {
  "use strict";
  if (!window.PublicKeyCredential) return;
  function encode(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function decode(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  function field(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }
  async function options(form) {
    var body = new URLSearchParams({ csrf_token: form.querySelector('input[name="csrf_token"]').value });
    var answer = await fetch(form.dataset.options, { method: "POST", body: body, credentials: "same-origin" });
    if (!answer.ok) throw new Error("the server said " + answer.status);
    return answer.json();
  }
  function credentials(ids) {
    return ids.map(function (id) { return { type: "public-key", id: decode(id) }; });
  }
  async function register(form, o) {
    var made = await navigator.credentials.create({ publicKey: {
      challenge: decode(o.challenge), rp: o.rp,
      user: { id: decode(o.user.id), name: o.user.name, displayName: o.user.displayName },
      pubKeyCredParams: o.algorithms.map(function (alg) { return { type: "public-key", alg: alg }; }),
      excludeCredentials: credentials(o.exclude),
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
      attestation: "none", timeout: 120000
    } });
    field(form, "client_data", encode(made.response.clientDataJSON));
    field(form, "attestation_object", encode(made.response.attestationObject));
  }
  async function use(form, o) {
    var used = await navigator.credentials.get({ publicKey: {
      challenge: decode(o.challenge), rpId: o.rpId, allowCredentials: credentials(o.allow),
      userVerification: o.userVerification, timeout: 120000
    } });
    field(form, "credential_id", encode(used.rawId));
    field(form, "client_data", encode(used.response.clientDataJSON));
    field(form, "authenticator_data", encode(used.response.authenticatorData));
    field(form, "signature", encode(used.response.signature));
    field(form, "user_handle", used.response.userHandle ? encode(used.response.userHandle) : "");
  }
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.hidden = false;
    var status = form.querySelector(".passkey-status");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (status) status.textContent = "Waiting for your passkey…";
      try {
        var o = await options(form);
        if (form.dataset.passkey === "register") await register(form, o); else await use(form, o);
        form.submit();
      } catch (error) {
        if (status) status.textContent = "The passkey did not work: " + (error && error.message ? error.message : error);
      }
    });
  });
  document.querySelectorAll(".needs-passkeys").forEach(function (note) { note.hidden = true; });
})();
