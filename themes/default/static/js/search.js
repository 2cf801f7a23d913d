// The search page: queries the Pagefind index that `sitegen build` writes to pagefind/ and
// shows each result's title, date, source and excerpt; the selects filter the results by
// the article's terms. Pagefind loads only the parts of the index that a query needs, and
// the filters' values (a large file on a large site) only once the reader opens them.
//
// Every path comes from the page: the index's script is named by the page (data-pagefind),
// resolved against the page's own address, so the site works under any base path.

const root = document.getElementById("search");
const form = root.querySelector(".search-form");
const filterBox = form.querySelector(".search-filters");
const input = form.querySelector("input[name=q]");
const selects = [...form.querySelectorAll("select[data-taxonomy]")];
const status = root.querySelector(".search-status");
const list = root.querySelector(".search-results");
const more = root.querySelector(".search-more");
const bundle = new URL(root.dataset.pagefind, document.baseURI);
const PAGE = 10; // results shown at a time
// The page's words in the site's language (search.html); "found" by plural category.
const words = root.dataset;
const found = JSON.parse(words.found);
const plural = new Intl.PluralRules(document.documentElement.lang || "en");
const counted = (n) => (found[plural.select(n)] || found.other).replace("{n}", n.toLocaleString(document.documentElement.lang || "en"));
// Every filter value is under the one filter "facet", as "<taxonomy>:<name>" (sitegen/search.py).
const FACET = "facet";

let pagefind = null;
let shown = []; // the current search's results
let showing = 0;
let latest = 0; // the number of the latest search: an older one that ends later is dropped

async function loadPagefind() {
  if (!pagefind) {
    pagefind = await import(bundle.href);
    await pagefind.options({
      // Result URLs are site paths (/articles/x/): put them under the site's own path.
      baseUrl: new URL("../", bundle).pathname,
      // Searching a few chunks is quick in the page: a worker would cost its script (40 KB).
      noWorker: true,
    });
  }
  return pagefind;
}

let filtersFilled = null;
function fillFilters() {
  filtersFilled ??= loadFilters();
  return filtersFilled;
}

async function loadFilters() {
  const counts = (await (await loadPagefind()).filters())[FACET] || {};
  const values = Object.keys(counts).sort((a, b) => a.localeCompare(b));
  for (const select of selects) {
    const prefix = select.dataset.taxonomy + ":";
    const wanted = new URLSearchParams(location.search).get(select.name);
    for (const value of values.filter((v) => v.startsWith(prefix))) {
      const name = value.slice(prefix.length);
      const option = new Option(`${name} (${counts[value]})`, name);
      option.selected = name === wanted;
      select.append(option);
    }
  }
}

function chosenFilters() {
  const chosen = selects.filter((s) => s.value).map((s) => `${s.dataset.taxonomy}:${s.value}`);
  return chosen.length ? { [FACET]: chosen } : {};
}

async function search() {
  const number = ++latest;
  const query = input.value.trim();
  const filters = chosenFilters();
  remember(query);
  if (!query && !Object.keys(filters).length) {
    list.replaceChildren();
    more.hidden = true;
    status.textContent = words.hint;
    return;
  }
  status.textContent = words.searching;
  const found = await (await loadPagefind()).search(query || null, { filters });
  if (number !== latest) return;
  shown = found.results;
  showing = 0;
  list.replaceChildren();
  status.textContent = shown.length ? counted(shown.length) : words.none;
  await showMore(number);
}

async function showMore(number) {
  const next = await Promise.all(shown.slice(showing, showing + PAGE).map((r) => r.data()));
  if (number !== latest) return;
  showing += next.length;
  list.append(...next.map(resultItem));
  more.hidden = showing >= shown.length;
}

function resultItem(data) {
  const item = document.createElement("li");
  item.className = "search-result";
  const title = item.appendChild(document.createElement("h2"));
  const link = title.appendChild(document.createElement("a"));
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  const meta = item.appendChild(document.createElement("p"));
  meta.className = "meta";
  const date = meta.appendChild(document.createElement("span"));
  date.className = "date";
  date.textContent = data.meta.date || "";
  meta.append(" · ");
  const source = meta.appendChild(document.createElement("span"));
  source.className = "source";
  source.textContent = data.meta.source || "";
  const excerpt = item.appendChild(document.createElement("p"));
  excerpt.className = "excerpt";
  excerpt.append(...marked(data.excerpt));
  return item;
}

// Pagefind's excerpt is the indexed text with HTML special characters escaped and the words
// found in <mark>: rebuilt here as text and <mark> elements, so nothing else can become markup.
function marked(excerpt) {
  const parsed = new DOMParser().parseFromString(excerpt, "text/html").body;
  return [...parsed.childNodes].map((node) => {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      return mark;
    }
    return document.createTextNode(node.textContent);
  });
}

// The address says what is searched (?q=...&tags=...), so a search can be shared or reloaded.
function remember(query) {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  for (const select of selects) if (select.value) params.set(select.name, select.value);
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

let typing = null;
input.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => search().catch(failed), 150);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typing);
  search().catch(failed);
});
for (const select of selects) select.addEventListener("change", () => search().catch(failed));
more.addEventListener("click", () => showMore(latest));

function failed(error) {
  status.textContent = `Search is not available: ${error.message}`;
}

filterBox?.addEventListener("toggle", () => {
  if (filterBox.open) fillFilters().catch(failed);
});
const asked = new URLSearchParams(location.search);
input.value = asked.get("q") || "";
if (selects.some((select) => asked.get(select.name))) {
  filterBox.open = true; // and so the filters are filled, with the values asked for chosen
  fillFilters().then(search).catch(failed);
} else {
  search().catch(failed);
}
