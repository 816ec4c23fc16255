// The editor page of `imr-kg serve` (kg/templates/editor.html): sets YASGUI up for this
// endpoint. Served from /static/ like YASGUI itself, so that the page's Content-Security-Policy
// allows scripts from this server only (kg/interfaces/editor.py).
"use strict";
// The data comes from the server (kg/interfaces/editor.py): the analyst library of queries/,
// the project's prefixes and the query a new tab opens with.
const config = JSON.parse(document.getElementById("imr-kg-config").textContent);
const endpoint = new URL("sparql", document.baseURI).href;

// PREFIX autocompletion from the project's prefixes only. YASGUI's property and class
// autocompleters ask a server elsewhere (Linked Open Vocabularies), so they stay off.
Yasgui.Yasqe.forkAutocompleter("prefixes", {
  name: "projectPrefixes",
  persistenceId: null,
  get: Object.entries(config.prefixes).map(([prefix, iri]) => `${prefix}: <${iri}>`).sort(),
}, false);

const yasgui = new Yasgui(document.getElementById("yasgui"), {
  // Tabs, their queries and the endpoint history stay in this browser's local storage (per
  // host and port) for a year. Results are not kept: the store may have changed since.
  persistenceId: "imr-kg",
  persistencyExpire: 365 * 24 * 3600,
  copyEndpointOnNewTab: false,
  endpointCatalogueOptions: { getData: () => [{ endpoint }], keys: [] },
  requestConfig: {
    endpoint,
    method: "POST",
    acceptHeaderSelect: "application/sparql-results+json",
    // CONSTRUCT and DESCRIBE: Turtle where the endpoint gives it, else N-Triples.
    acceptHeaderGraph: "text/turtle, application/n-triples;q=0.9",
    acceptHeaderUpdate: "text/plain",
  },
  yasqe: {
    value: config.defaultQuery,
    autocompleters: ["variables", "projectPrefixes"],
    prefixCcApi: null,
  },
  yasr: { maxPersistentResponseSize: 0 },
});

// The analyst library: a question opens in a tab of its own (the one it opened in before, if
// its query is unchanged); run it with the triangle button or Ctrl-Enter.
const examples = document.getElementById("examples");
const question = document.getElementById("question");
examples.addEventListener("change", () => {
  const example = config.examples.find((e) => e.name === examples.value);
  if (example) {
    yasgui.addTab(true, { name: example.name, yasqe: { value: example.query } },
                  { avoidDuplicateTabs: true });
    question.textContent = example.question;
  }
  examples.value = "";
});
