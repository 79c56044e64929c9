// Common Ground consent banner: the visitor's choice stays in this browser (localStorage,
// no cookie) and is recorded once on the server under a random id this browser keeps.
// What needs consent was written inert by the server (data-consent-* attributes, a
// text/plain <script> or <style>) and is brought to life here once every purpose it names
// is granted, never otherwise. A choice holds for config.max_age_days and for this banner
// version only; Global Privacy Control refuses config.gpc_refuses whatever is clicked.
(function () {
    "use strict";
    var STORE = "cg-consent";
    var ID_STORE = "cg-consent-id";
    var DAY_MS = 86400000;
    // The attributes the gate holds back, in the order they are given back (a srcset
    // before its src, so an image is fetched once). Nothing else is ever restored: an
    // editor's own data-consent-onclick would otherwise become a handler.
    var RESTORED = ["srcset", "imagesrcset", "poster", "background", "ping", "style",
        "fill", "stroke", "filter", "mask", "clip-path", "cursor", "data", "href", "src"];
    var configNode = document.getElementById("cg-consent-config");
    var banner = document.getElementById("cg-consent");
    if (!configNode || !banner) {
        return;
    }
    var config = JSON.parse(configNode.textContent);
    var form = banner.querySelector("[data-consent-form]");
    var browserGpc = navigator.globalPrivacyControl === true;
    var current = null;

    function consentId() {
        var id = null;
        try {
            id = localStorage.getItem(ID_STORE);
        } catch (error) {
            id = null;
        }
        if (!id || !/^[A-Za-z0-9]{16,64}$/.test(id)) {
            var bytes = new Uint8Array(16);
            crypto.getRandomValues(bytes);
            id = Array.prototype.map.call(bytes, function (byte) {
                return ("0" + byte.toString(16)).slice(-2);
            }).join("");
            try {
                localStorage.setItem(ID_STORE, id);
            } catch (error) {
                // Private browsing without storage: a new id per choice.
            }
        }
        return id;
    }

    function stored() {
        try {
            var choice = JSON.parse(localStorage.getItem(STORE) || "null");
            var age = Date.now() - Date.parse(choice && choice.at);
            if (!choice || choice.version !== config.version || !(age < config.max_age_days * DAY_MS)) {
                return null;  // never chosen, another banner, or too long ago: ask again
            }
            return choice;
        } catch (error) {
            return null;
        }
    }

    function gpcOn(choice) {
        return browserGpc || Boolean(choice && choice.gpc);
    }

    function honouringGpc(purposes, gpc) {
        var held = {};
        Object.keys(purposes).forEach(function (purpose) {
            held[purpose] = purposes[purpose] && !(gpc && config.gpc_refuses.indexOf(purpose) >= 0);
        });
        return held;
    }

    function granted(purpose) {
        var awaitsServer = !current || (!current.confirmed && config.gpc_refuses.indexOf(purpose) >= 0);
        return Boolean(current && current.purposes[purpose] && !awaitsServer);
    }

    function allGranted(element) {
        var needed = (element.getAttribute("data-consent-purpose") || "").split(" ");
        return needed.every(function (purpose) {
            return purpose && granted(purpose);
        });
    }

    function replaceWithLive(element) {
        // A <script> or <style> whose type changes neither runs nor applies: a new one does.
        var live = document.createElement(element.tagName.toLowerCase());
        Array.prototype.forEach.call(element.attributes, function (attribute) {
            var name = attribute.name;
            if (name === "type" || name === "data-consent-purpose") {
                return;
            }
            if (name === "data-consent-css") {
                return;
            }
            if (name === "data-consent-type") {
                name = "type";
            } else if (name.indexOf("data-consent-") === 0) {
                name = name.slice("data-consent-".length);
                if (RESTORED.indexOf(name) < 0) {
                    return;
                }
            }
            live.setAttribute(name, attribute.value);
        });
        var css = element.getAttribute("data-consent-css");
        live.textContent = css !== null ? css : element.textContent;
        element.parentNode.replaceChild(live, element);
    }

    function activate(element) {
        if (element.tagName === "SCRIPT" || element.tagName === "STYLE") {
            replaceWithLive(element);
            return;
        }
        RESTORED.forEach(function (name) {
            var value = element.getAttribute("data-consent-" + name);
            if (value !== null) {
                element.removeAttribute("data-consent-" + name);
                element.setAttribute(name, value);
            }
        });
        element.removeAttribute("data-consent-purpose");
        var parent = element.parentNode;
        if (element.tagName === "SOURCE" && parent && typeof parent.load === "function") {
            parent.load();  // a media element picks its <source> only when it loads
        }
    }

    function apply() {
        document.querySelectorAll("[data-consent-purpose]").forEach(function (element) {
            if (allGranted(element)) {
                activate(element);
            }
        });
        document.querySelectorAll("[data-consent-placeholder]").forEach(function (placeholder) {
            placeholder.hidden = granted(placeholder.getAttribute("data-consent-placeholder"));
        });
        document.dispatchEvent(new CustomEvent("cg:consent", { detail: current }));
    }

    function record(purposes, gpc) {
        // The server records the choice and answers with what holds (its Sec-GPC header
        // included): only that answer, or without one this browser's own GPC, is applied.
        var body = JSON.stringify({ id: consentId(), version: config.version, purposes: purposes, gpc: gpc });
        var controller = typeof AbortController === "function" ? new AbortController() : null;
        var timer = controller && setTimeout(function () { controller.abort(); }, 5000);
        return fetch("/-/consent", {
            method: "POST", body: body, keepalive: true, credentials: "omit",
            headers: { "Content-Type": "application/json" },
            signal: controller ? controller.signal : undefined,
        }).then(function (response) {
            return response.ok ? response.json() : null;
        }).catch(function () {
            return null;
        }).then(function (answer) {
            if (timer) {
                clearTimeout(timer);
            }
            if (answer && answer.purposes) {
                return { purposes: honouringGpc(answer.purposes, gpc || answer.gpc), gpc: gpc || answer.gpc === true };
            }
            return { purposes: purposes, gpc: gpc };
        });
    }

    function save(choice) {
        try {
            localStorage.setItem(STORE, JSON.stringify(choice));
        } catch (error) {
            // Private browsing without storage: the choice lasts for this page only.
        }
    }

    function confirm(previous) {
        // Recorded on the server, whose answer (Sec-GPC header included) is what holds.
        return record(current.purposes, current.gpc).then(function (held) {
            var withdrawn = previous && Object.keys(previous.purposes).some(function (purpose) {
                return previous.purposes[purpose] && !held.purposes[purpose];
            });
            current = { version: config.version, purposes: held.purposes, gpc: held.gpc,
                at: current.at, confirmed: true };
            save(current);
            if (withdrawn) {
                // What already runs cannot be unloaded: start afresh without it.
                window.location.reload();
                return;
            }
            apply();
        });
    }

    function decide(clicked) {
        var previous = current;
        var gpc = gpcOn(previous);
        banner.hidden = true;
        // Kept at once, since the visitor may leave before the server answers; until it
        // has, the purposes GPC refuses stay held (granted() below), here and on the next
        // page, which asks again.
        current = { version: config.version, purposes: honouringGpc(clicked, gpc), gpc: gpc,
            at: new Date().toISOString(), confirmed: false };
        save(current);
        apply();
        confirm(previous);
    }

    function all(value) {
        var purposes = {};
        config.purposes.forEach(function (purpose) {
            purposes[purpose.name] = value;
        });
        return purposes;
    }

    function showGpc(choice) {
        var gpc = gpcOn(choice);
        var notice = banner.querySelector("[data-consent-gpc]");
        if (notice) {
            notice.hidden = !gpc;
        }
        form.querySelectorAll("[data-consent-choice]").forEach(function (box) {
            var refused = gpc && config.gpc_refuses.indexOf(box.name) >= 0;
            box.disabled = refused;
            if (refused) {
                box.checked = false;
            }
        });
    }

    function open(event) {
        var choice = current || stored();
        form.querySelectorAll("[data-consent-choice]").forEach(function (box) {
            box.checked = Boolean(choice && choice.purposes[box.name]);
        });
        showGpc(choice);
        var id = banner.querySelector("[data-consent-id]");
        if (id) {
            id.textContent = consentId();
        }
        banner.hidden = false;
        var details = banner.querySelector(".consent__details");
        if (event && details) {
            details.open = true;  // asked for from "Privacy choices": show every choice
        }
        var first = banner.querySelector("button, input:not([disabled])");
        if (event && first) {
            first.focus();  // asked for by a click; on page load the banner takes no focus
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
    // For other scripts (the video block): is a purpose granted, and open the choices.
    window.cgConsent = { granted: granted, open: open };

    current = stored();
    if (current) {
        // A choice made before GPC was switched on is held to it from now on.
        current.purposes = honouringGpc(current.purposes, gpcOn(current));
        apply();
        var awaited = config.gpc_refuses.some(function (purpose) {
            return current.purposes[purpose];
        });
        if (!current.confirmed && awaited) {
            // Left before the server answered a choice that GPC may refuse: ask it now (the
            // first request, sent with keepalive, may have been recorded as well).
            confirm(null);
        }
    } else {
        open();
    }
})();
