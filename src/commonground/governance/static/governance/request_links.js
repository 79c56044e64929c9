// Page editor: a refusal names the host and the address of a pre-filled technology request;
// Wagtail shows block errors as text, so the address is turned into a link here.
(function () {
    "use strict";
    var marker = "/governance/requests/new/?";
    var pattern = /(\S*\/governance\/requests\/new\/\?\S+)/;

    function linkify(root) {
        var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
            acceptNode: function (node) {
                var parent = node.parentNode;
                if (!parent || parent.closest("a, textarea, script, [contenteditable]")) {
                    return NodeFilter.FILTER_REJECT;
                }
                return node.nodeValue.indexOf(marker) >= 0 ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
            },
        });
        var found = [];
        while (walker.nextNode()) {
            found.push(walker.currentNode);
        }
        found.forEach(function (node) {
            var parts = node.nodeValue.split(pattern);
            var fragment = document.createDocumentFragment();
            parts.forEach(function (part) {
                if (pattern.test(part) && part.indexOf("/") === 0) {
                    var link = document.createElement("a");
                    link.href = part;
                    link.target = "_blank";
                    link.rel = "noopener";
                    link.textContent = "open a pre-filled request";
                    link.setAttribute("data-technology-request", "");
                    fragment.appendChild(link);
                } else {
                    fragment.appendChild(document.createTextNode(part));
                }
            });
            node.parentNode.replaceChild(fragment, node);
        });
    }

    function start() {
        linkify(document.body);
        new MutationObserver(function (mutations) {
            mutations.forEach(function (mutation) {
                mutation.addedNodes.forEach(function (node) {
                    if (node.nodeType === Node.ELEMENT_NODE) {
                        linkify(node);
                    } else if (node.nodeType === Node.TEXT_NODE && node.parentNode) {
                        linkify(node.parentNode);
                    }
                });
            });
        }).observe(document.body, { childList: true, subtree: true });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
