// Common Ground public site: click-to-load videos and focusing form error summaries.
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
        button.addEventListener("click", function () {
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

    function init() {
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
