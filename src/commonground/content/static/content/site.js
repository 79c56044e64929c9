// Common Ground public site: click-to-load videos (held while their consent purpose is not
// granted), focusing form error summaries and the phone navigation's menu button.
(function () {
    "use strict";

    function activateVideo(frame) {
        var button = frame.querySelector("[data-video-play]");
        var fallback = frame.querySelector("[data-video-fallback]");
        var url = frame.getAttribute("data-embed-url");
        if (!button || !url) {
            return;
        }
        button.hidden = false;
        if (fallback) {
            fallback.hidden = true;
        }
        var purpose = frame.getAttribute("data-video-purpose");
        var notice = frame.querySelector("[data-video-consent]");
        function allowed() {
            // A player that needs consent loads only once its purpose is granted in the
            // banner (consent.js); without the banner's answer it is not.
            return !purpose || Boolean(window.cgConsent && window.cgConsent.granted(purpose));
        }
        document.addEventListener("cg:consent", function () {
            if (notice && allowed()) {
                notice.hidden = true;
            }
        });
        button.addEventListener("click", function () {
            if (!allowed()) {
                if (notice) {
                    notice.hidden = false;
                }
                return;
            }
            // The third-party player is requested only now, after the visitor asked for it.
            var iframe = document.createElement("iframe");
            iframe.className = "video__iframe";
            iframe.src = url;
            iframe.title = frame.getAttribute("data-title") || "Video";
            iframe.allow = "autoplay; fullscreen; picture-in-picture";
            iframe.setAttribute("allowfullscreen", "");
            iframe.referrerPolicy = "strict-origin-when-cross-origin";
            frame.replaceChild(iframe, button);
            iframe.focus();
        });
    }

    function navigationToggle(toggle) {
        var nav = document.getElementById(toggle.getAttribute("aria-controls"));
        if (!nav) {
            return;
        }
        function setOpen(open) {
            toggle.setAttribute("aria-expanded", String(open));
            nav.classList.toggle("nav--open", open);
        }
        // The stylesheet folds the navigation away on phones only once this button works.
        document.documentElement.classList.add("has-nav-toggle");
        toggle.hidden = false;
        toggle.addEventListener("click", function () {
            setOpen(toggle.getAttribute("aria-expanded") !== "true");
        });
        nav.addEventListener("keydown", function (event) {
            if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
                setOpen(false);
                toggle.focus();
            }
        });
    }

    function init() {
        document.querySelectorAll("[data-nav-toggle]").forEach(navigationToggle);
        document.querySelectorAll("[data-video]").forEach(activateVideo);
        var summary = document.querySelector("[data-error-summary]");
        if (summary) {
            summary.focus();
        }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
