// A link to a question (#q-…) opens its collapsed block, on load and on every jump.
function openLinkedQuestion() {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (target && target.tagName === "DETAILS") {
    target.open = true;
    target.scrollIntoView();
  }
}
window.addEventListener("hashchange", openLinkedQuestion);
document$.subscribe(openLinkedQuestion);
