/* portbot's Zendesk ticket sidebar. It asks Zendesk (through the ZAF SDK) which ticket is open
 * and who is looking, fetches portbot's view of that ticket with the page's bearer token, and
 * sends the view's forms back as actions. The server renders every fragment; this script puts
 * it in place, wires its forms and tells Zendesk how tall the page is. No build step. */
"use strict";

(() => {
  const main = document.getElementById("portbot-sidebar");
  if (!main) {
    return;
  }

  const WORKING = "Working…";
  const ACTION_NAME = /^[a-z][a-z0-9_]*$/;
  const TICKET_ID = /^[1-9][0-9]{0,18}$/;
  const MESSAGES = {
    outside: [
      "Open this from a ticket",
      "This page shows a port request in Zendesk's ticket sidebar. Open a ticket in Zendesk " +
        "to see it.",
    ],
    noZendesk: [
      "Zendesk did not answer",
      "portbot could not ask Zendesk which ticket is open. Reload the ticket to try again.",
    ],
    noTicket: [
      "No ticket here",
      "portbot shows here only in a ticket's sidebar. Open a ticket to see its port request.",
    ],
    noAnswer: [
      "portbot did not answer",
      "Check your connection, then reload the ticket to try again.",
    ],
  };
  const NO_REPLY =
    "portbot did not answer, so this may not have been done. Check your connection and send " +
    "it again as it is: it will not be done twice.";

  const meta = (name) => {
    const tag = document.querySelector(`meta[name="${name}"]`);
    return tag ? tag.getAttribute("content") || "" : "";
  };

  const state = {
    token: meta("portbot-sidebar-token"),
    client: null,
    ticketId: null,
    agentName: "",
    busy: false,
    lastHeight: -1,
  };

  // The SDK reads `origin` and `app_guid` from the page's address. The shell is served at the
  // address Zendesk posted to, query string and all; should it ever lack it, put it back.
  const keepQuery = () => {
    const query = meta("portbot-sidebar-query");
    if (query && !window.location.search) {
      window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
    }
  };

  // --- Zendesk's frame ---------------------------------------------------------------------

  // The height of what the page shows, not of the frame (that would never shrink).
  const contentHeight = () => Math.ceil(document.body.getBoundingClientRect().height);

  const resize = () => {
    if (!state.client) {
      return;
    }
    const height = contentHeight();
    if (height === state.lastHeight) {
      return;
    }
    state.lastHeight = height;
    state.client.invoke("resize", { width: "100%", height: `${height}px` }).catch(() => {
      state.lastHeight = -1; // Zendesk did not take it: ask again on the next change
    });
  };

  // --- what the page shows -----------------------------------------------------------------

  const say = ([heading, advice]) => {
    const title = document.createElement("h1");
    title.className = "pb-title";
    title.textContent = heading;
    const words = document.createElement("p");
    words.textContent = advice;
    main.replaceChildren(title, words);
    main.removeAttribute("aria-busy");
    resize();
  };

  // After an action: the error when there is one, else the first heading, so a screen reader
  // reads what changed and the keyboard starts again from the top of the new view.
  const focusAfterRender = () => {
    const target = main.querySelector(".pb-error") || main.querySelector("h1, h2, h3, h4");
    if (!target) {
      return;
    }
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  };

  const render = (fragment, { moveFocus }) => {
    main.innerHTML = fragment; // portbot's own fragment, escaped where it was rendered
    main.removeAttribute("aria-busy");
    resize();
    if (moveFocus) {
      focusAfterRender();
    }
  };

  // --- talking to portbot ------------------------------------------------------------------

  const ticketPath = (suffix = "") =>
    `/zendesk/sidebar/tickets/${encodeURIComponent(state.ticketId)}${suffix}`;

  // portbot's answer: its status and fragment (every answer of the sidebar's routes is one:
  // 200, 422 with the message in its form, 401 and 404 with a message, 5xx with a reference).
  // No answer, or one that is not HTML, is thrown.
  const send = async (path, init = {}) => {
    const answer = await window.fetch(path, {
      ...init,
      headers: { Authorization: `Bearer ${state.token}`, Accept: "text/html" },
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
    });
    const type = answer.headers.get("Content-Type") || "";
    if (!type.startsWith("text/html")) {
      throw new Error(`HTTP ${answer.status}, ${type}`);
    }
    return { status: answer.status, fragment: await answer.text() };
  };

  const load = async () => {
    main.setAttribute("aria-busy", "true");
    try {
      render((await send(ticketPath())).fragment, { moveFocus: false });
    } catch {
      say(MESSAGES.noAnswer);
    }
  };

  // The words of a fragment, without putting it in the page (DOMParser runs nothing).
  const wordsOf = (fragment) => {
    const parsed = new DOMParser().parseFromString(fragment, "text/html");
    const paragraphs = Array.from(parsed.body.querySelectorAll("p"), (p) => p.textContent.trim());
    return paragraphs.filter(Boolean).join(" ") || parsed.body.textContent.trim();
  };

  // --- the view's forms --------------------------------------------------------------------

  const requestKey = () => {
    if (typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  const submitButtons = (form) =>
    form.querySelectorAll('button:not([type="button"]):not([type="reset"]), input[type="submit"]');

  const setWorking = (form, working) => {
    for (const button of submitButtons(form)) {
      const isInput = button instanceof HTMLInputElement;
      if (working) {
        button.dataset.pbLabel = isInput ? button.value : button.textContent;
        button.disabled = true;
        if (isInput) {
          button.value = WORKING;
        } else {
          button.textContent = WORKING;
        }
      } else if (button.dataset.pbLabel !== undefined) {
        const label = button.dataset.pbLabel;
        delete button.dataset.pbLabel;
        button.disabled = false;
        if (isInput) {
          button.value = label;
        } else {
          button.textContent = label;
        }
      }
    }
    if (working) {
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("aria-busy");
    }
  };

  // Nothing came back that could be shown: keep the form as typed and say so in it.
  const failed = (form, message) => {
    setWorking(form, false);
    let error = form.querySelector(".pb-error[data-pb-local]");
    if (!error) {
      error = document.createElement("p");
      error.className = "pb-error";
      error.setAttribute("role", "alert");
      error.setAttribute("tabindex", "-1");
      error.dataset.pbLocal = "";
      form.prepend(error);
    }
    error.textContent = message;
    error.focus();
    resize();
  };

  // The form's fields, the agent's name and the request key. A form sent again, unchanged,
  // after an answer that never came keeps its key, so portbot does it once.
  const fieldsOf = (form, submitter) => {
    const body = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string") {
        body.append(name, value);
      }
    }
    if (submitter && submitter.name) {
      body.append(submitter.name, submitter.value);
    }
    body.set("agent_name", state.agentName);
    const typed = body.toString();
    const retry = form.dataset.pbTyped === typed && form.dataset.pbKey;
    form.dataset.pbTyped = typed;
    form.dataset.pbKey = retry || requestKey();
    body.set("request_key", form.dataset.pbKey);
    return body;
  };

  const onSubmit = async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("pb-action")) {
      return;
    }
    event.preventDefault();
    const action = form.dataset.action || "";
    if (state.busy || state.ticketId === null || !ACTION_NAME.test(action)) {
      return;
    }
    const body = fieldsOf(form, event.submitter);
    state.busy = true;
    setWorking(form, true);
    try {
      const answer = await send(ticketPath(`/actions/${action}`), { method: "POST", body });
      if (answer.status >= 500) {
        failed(form, wordsOf(answer.fragment) || NO_REPLY);
      } else {
        render(answer.fragment, { moveFocus: true });
      }
    } catch {
      failed(form, NO_REPLY);
    } finally {
      state.busy = false;
    }
  };

  // --- start -------------------------------------------------------------------------------

  const start = async () => {
    main.addEventListener("submit", onSubmit);
    keepQuery();
    const client = window.ZAFClient ? window.ZAFClient.init() : false;
    if (!client) {
      say(MESSAGES.outside);
      return;
    }
    state.client = client;
    if (window.ResizeObserver) {
      new window.ResizeObserver(resize).observe(document.body);
    }
    let data;
    try {
      data = await client.get(["ticket.id", "currentUser"]);
    } catch {
      say(MESSAGES.noZendesk);
      return;
    }
    const id = String((data && data["ticket.id"]) ?? "");
    const user = (data && data.currentUser) || {};
    state.agentName = typeof user.name === "string" ? user.name : "";
    if (!TICKET_ID.test(id)) {
      say(MESSAGES.noTicket);
      return;
    }
    state.ticketId = id;
    await load();
  };

  start();
})();
