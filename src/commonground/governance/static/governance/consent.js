// Common Ground consent banner: the visitor's choice stays in this browser (localStorage,
// no cookie); what needs consent was written inert by the server (data-consent-src) and is
// brought to life here, purpose by purpose, once agreed. The server only counts choices.
(function () {
    "use strict";
    var STORE = "cg-consent";
    var configNode = document.getElementById("cg-consent-config");
    var banner = document.getElementById("cg-consent");
    if (!configNode || !banner) {
        return;
    }
    var config = JSON.parse(configNode.textContent);
    var form = banner.querySelector("[data-consent-form]");

    function stored() {
        try {
            var choice = JSON.parse(localStorage.getItem(STORE) || "null");
            return choice && choice.version === config.version ? choice : null;
        } catch (error) {
            return null;
        }
    }

    function activate(element) {
        var src = element.getAttribute("data-consent-src");
        if (element.tagName === "SCRIPT") {
            // A script whose type changes does not run: a new element does.
            var script = document.createElement("script");
            Array.prototype.forEach.call(element.attributes, function (attribute) {
                var name = attribute.name;
                if (name === "type" || name === "data-consent-purpose") {
                    return;
                }
                if (name.indexOf("data-consent-") === 0) {
                    name = name.slice("data-consent-".length);
                }
                script.setAttribute(name, attribute.value);
            });
            element.parentNode.replaceChild(script, element);
            return;
        }
        var srcset = element.getAttribute("data-consent-srcset");
        if (srcset) {
            element.setAttribute("srcset", srcset);
        }
        if (src) {
            element.setAttribute("src", src);
        }
        element.removeAttribute("data-consent-purpose");
    }

    function apply(purposes) {
        Object.keys(purposes).forEach(function (purpose) {
            if (!purposes[purpose]) {
                return;
            }
            document.querySelectorAll('[data-consent-purpose="' + purpose + '"]').forEach(activate);
            document.querySelectorAll('[data-consent-placeholder="' + purpose + '"]').forEach(
                function (placeholder) {
                    placeholder.hidden = true;
                }
            );
        });
    }

    function count(purposes) {
        var body = JSON.stringify({ purposes: purposes });
        var url = "/-/consent";
        if (navigator.sendBeacon) {
            navigator.sendBeacon(url, new Blob([body], { type: "application/json" }));
        } else {
            fetch(url, { method: "POST", body: body, keepalive: true,
                headers: { "Content-Type": "application/json" } });
        }
    }

    function decide(purposes) {
        var previous = stored();
        var choice = { version: config.version, purposes: purposes, at: new Date().toISOString().slice(0, 10) };
        try {
            localStorage.setItem(STORE, JSON.stringify(choice));
        } catch (error) {
            // Private browsing without storage: the choice lasts for this page only.
        }
        banner.hidden = true;
        count(purposes);
        var withdrawn = previous && Object.keys(previous.purposes).some(function (purpose) {
            return previous.purposes[purpose] && !purposes[purpose];
        });
        if (withdrawn) {
            // What already runs cannot be unloaded: start afresh without it.
            window.location.reload();
            return;
        }
        apply(purposes);
    }

    function all(value) {
        var purposes = {};
        config.purposes.forEach(function (purpose) {
            purposes[purpose.name] = value;
        });
        return purposes;
    }

    function open() {
        var choice = stored();
        form.querySelectorAll("[data-consent-choice]").forEach(function (box) {
            box.checked = Boolean(choice && choice.purposes[box.name]);
        });
        banner.hidden = false;
        var first = banner.querySelector("button, input");
        if (first) {
            first.focus();
        }
    }

    banner.querySelector("[data-consent-all]").addEventListener("click", function () {
        decide(all(true));
    });
    banner.querySelector("[data-consent-none]").addEventListener("click", function () {
        decide(all(false));
    });
    form.addEventListener("submit", function (event) {
        event.preventDefault();
        var purposes = all(false);
        form.querySelectorAll("[data-consent-choice]").forEach(function (box) {
            purposes[box.name] = box.checked;
        });
        decide(purposes);
    });
    document.querySelectorAll("[data-consent-open]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", open);
    });

    var choice = stored();
    if (choice) {
        apply(choice.purposes);
    } else {
        banner.hidden = false;
    }
})();
