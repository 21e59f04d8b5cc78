// Turns each Darkroom oEmbed blockquote on the page into the photo's embed iframe. Loaded by the page that embeds
// it, on its own origin; reads nothing but the blockquote's data attributes.
(function () {
  var quotes = document.querySelectorAll("blockquote.darkroom-media[data-darkroom-embed]");
  for (var i = 0; i < quotes.length; i++) {
    var quote = quotes[i];
    var src = quote.getAttribute("data-darkroom-embed");
    if (!/^https?:\/\//.test(src)) continue;
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.width = quote.getAttribute("data-width") || "612";
    frame.height = quote.getAttribute("data-height") || "732";
    frame.setAttribute("frameborder", "0");
    frame.setAttribute("scrolling", "no");
    frame.setAttribute("title", "A photo on Darkroom");
    frame.className = "darkroom-embed";
    frame.style.maxWidth = "100%";
    frame.style.border = "1px solid #ddd";
    quote.parentNode.replaceChild(frame, quote);
  }
})();
