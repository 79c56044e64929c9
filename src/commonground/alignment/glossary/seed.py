"""The glossary's starting terms: each explained once for marketing and once for IT.

Migration 0003 keeps its own frozen copy of these (a migration must not change when this
module does); the demo and tests read them from here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedTerm:
    slug: str
    term: str
    for_marketing: str
    for_it: str
    examples: str
    related_metrics: tuple[str, ...] = ()


SEED_TERMS: tuple[SeedTerm, ...] = (
    SeedTerm(
        "api",
        "API",
        "An API (application programming interface) is a door through which one program "
        "asks another for data or tells it to do something, without a person clicking. "
        "When a tool “integrates” with the website or the CRM, it usually does so through "
        "an API, so numbers and contacts flow without copy and paste.",
        "Every API a tool uses is an entry point to secure: who holds its keys, what each "
        "key may read or change, and how the calls are logged and rate-limited. An "
        "integration also adds an operational dependency: when the other side's API "
        "changes or fails, ours breaks.",
        "The Stats API lets a BI tool read the same visitor numbers as the dashboard; a "
        "newsletter tool's API adds new subscribers from a sign-up form.",
        ("analytics.visitors",),
    ),
    SeedTerm(
        "organic-search",
        "Organic search",
        "Visitors who found us through a search engine's ordinary results, not a paid ad. "
        "It costs no money per click, but grows slowly, through content people search for "
        "and pages that load fast.",
        "Traffic that arrives from search engines without an ad click; for IT it mostly "
        "depends on things IT controls: page speed, uptime, correct redirects and status "
        "codes, and a site search engines may crawl. A broken robots.txt or a slow release "
        "shows up here.",
        "“Google” as a source without a utm_medium=cpc tag; a blog post that ranks for "
        "“self-hosted analytics”.",
        ("analytics.visitors", "analytics.visits", "analytics.lcp_p75"),
    ),
    SeedTerm(
        "bounce-rate",
        "Bounce rate",
        "The share of visits that saw one page and left without doing anything else. A "
        "high bounce rate on a campaign's landing page often means the ad promised "
        "something the page does not show, or the page was too slow to wait for.",
        "The percentage of visits with a single pageview and no other interaction. It is a "
        "symptom, not a fault: slow pages, broken scripts or a consent banner hiding the "
        "page raise it, so it is worth watching after a release or a new third-party "
        "script.",
        "40% bounce rate: 40 of every 100 visits ended on the page they arrived on.",
        ("analytics.bounce_rate", "analytics.visits", "analytics.lcp_p75"),
    ),
    SeedTerm(
        "utm",
        "UTM tags",
        "Labels added to a link (utm_source, utm_medium, utm_campaign) so analytics knows "
        "which campaign, newsletter or post brought a visitor. Without them, a click from "
        "an e-mail looks like “direct” traffic and the campaign gets no credit.",
        "Query-string parameters on inbound links, read by our analytics and then ignored "
        "by the site. They carry no personal data and need no cookie; they do make URLs "
        "longer and must not be used on internal links, where they would overwrite the "
        "real source.",
        "https://example.com/pricing/?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
        ("analytics.visits", "distribution.channel_visits"),
    ),
    SeedTerm(
        "conversion-rate",
        "Conversion rate",
        "The share of visitors who did what the campaign wanted: signed up, downloaded, "
        "bought. It is the number that says whether traffic turned into results, so "
        "compare it per channel and per landing page.",
        "Visitors who reached a goal divided by all visitors in the period, per goal. "
        "Tracking scripts, page speed and forms that fail quietly all move it, which is "
        "why a conversion-rate goal is paired with page-speed and security guardrails.",
        "120 sign-ups from 4,000 visitors: a 3% conversion rate.",
        ("analytics.conversion_rate", "analytics.conversions", "analytics.visitors"),
    ),
    SeedTerm(
        "p75",
        "p75 (75th percentile)",
        "A way to say “how most visitors experienced it”: three in four page loads were at "
        "least this good. It is stricter than an average, which a few fast visits can make "
        "look better than what customers feel.",
        "The value below which 75% of the measurements fall. Web Vitals are judged at p75 "
        "because averages hide the slow tail; one slow third-party script can push p75 up "
        "while the median barely moves.",
        "LCP p75 of 2.1 s: 75% of page loads showed their main content within 2.1 seconds.",
        ("analytics.lcp_p75", "analytics.inp_p75", "analytics.cls_p75"),
    ),
    SeedTerm(
        "lcp",
        "LCP (Largest Contentful Paint)",
        "How long visitors wait until the main thing on the page (the big image or "
        "headline) appears. Under 2.5 seconds is good; slow landing pages lose visitors "
        "before they read the offer.",
        "A Core Web Vital: the time from navigation until the largest image or text block "
        "is rendered. Server response time, image size, render-blocking CSS and "
        "third-party scripts drive it; good is 2.5 s or less at p75, poor beyond 4 s.",
        "A hero image of 3 MB pushed LCP p75 to 4.8 s; compressed, it fell to 1.9 s.",
        ("analytics.lcp_p75",),
    ),
    SeedTerm(
        "inp",
        "INP (Interaction to Next Paint)",
        "How quickly the page reacts when someone clicks or taps, for example on “Add to "
        "cart”. A page that seems to ignore clicks feels broken and loses sign-ups.",
        "A Core Web Vital: the delay between a user's interaction and the next frame the "
        "browser paints, taken near the worst interaction of a visit. Heavy JavaScript, "
        "including tag-manager and chat scripts, makes it worse; good is 200 ms or less at "
        "p75.",
        "After a chat widget was added, INP p75 rose from 150 ms to 420 ms.",
        ("analytics.inp_p75",),
    ),
    SeedTerm(
        "cls",
        "CLS (Cumulative Layout Shift)",
        "How much the page jumps around while it loads, so people click the wrong thing or "
        "lose their place. Late banners and ads that push the text down are the usual "
        "cause.",
        "A Core Web Vital: a score for unexpected layout movement (no unit). Images "
        "without set dimensions, injected banners and web fonts cause it; good is 0.1 or "
        "less at p75, poor beyond 0.25.",
        "A cookie banner inserted above the content gave the home page a CLS of 0.31.",
        ("analytics.cls_p75",),
    ),
    SeedTerm(
        "ttfb",
        "TTFB (Time to First Byte)",
        "How long the browser waits for the server's first answer before anything can "
        "show. When it is slow, every campaign page is slow, whatever its images weigh.",
        "The time from the request until the first byte of the response arrives: DNS, "
        "connection, TLS and the server's own work. Caching, the CDN and database queries "
        "decide it; about 800 ms or less is good.",
        "Uncached pages answered in 1.6 s; with the page cache, TTFB fell to 120 ms.",
        ("analytics.lcp_p75",),
    ),
    SeedTerm(
        "csp",
        "CSP (Content-Security-Policy)",
        "The site's list of places it may load scripts, styles and images from. A new "
        "marketing tool's script will not run until its host is approved in the technology "
        "registry, which is why a request comes before the launch.",
        "A response header telling browsers which sources may load code and content; "
        "anything else is blocked (or only reported, in report-only mode). It is our main "
        "defence against injected scripts, and Common Ground builds it from the registry's "
        "approved hosts.",
        "script-src 'self' cdn.example-vendor.com: a script from any other host is refused.",
        ("governance.csp_violations", "governance.unapproved_hosts"),
    ),
    SeedTerm(
        "csp-violation",
        "CSP violation",
        "A report that a browser refused (or would have refused) to load something on our "
        "pages because it is not on the approved list. After a campaign launch, it often "
        "means a tag or embed was added without a request, and it is not working for "
        "visitors.",
        "A report the browser sends when a resource breaks the Content-Security-Policy. A "
        "few come from browser extensions; many from one host point to an unapproved "
        "script or an injection attempt, and are worth a look.",
        "50 reports in a day for script-src connect.facebook.net after a pixel was pasted "
        "into a page.",
        ("governance.csp_violations", "governance.unapproved_hosts"),
    ),
    SeedTerm(
        "dpa",
        "DPA (data-processing agreement)",
        "The contract with a vendor that handles our visitors' or subscribers' personal "
        "data on our behalf. Without a signed DPA, using the tool on customer data breaks "
        "the GDPR, so a campaign tool can wait on it.",
        "The GDPR Article 28 contract between us (the controller) and a processor: what "
        "data, what for, security measures, sub-processors, breach notice and deletion. "
        "The registry records whether it is signed; without it a tool handling personal "
        "data is high risk.",
        "A webinar platform receiving attendees' names and e-mail addresses needs a DPA first.",
        ("governance.open_requests",),
    ),
    SeedTerm(
        "sso",
        "SSO (single sign-on)",
        "Signing in to many tools with one company account instead of a password per tool. "
        "Staff get access faster, and when someone leaves, their access to every tool ends "
        "at once.",
        "Authentication delegated to the company identity provider (SAML or OpenID "
        "Connect). It centralises password policy, two-factor sign-in and offboarding; a "
        "tool without SSO keeps its own accounts that someone must remember to close.",
        "The social-media scheduler signs people in with the company Microsoft or Google account.",
        ("governance.two_factor_share",),
    ),
    SeedTerm(
        "2fa",
        "2FA (two-factor sign-in)",
        "A second proof when signing in, usually a code from a phone app, besides the "
        "password. It stops most account takeovers, so a stolen password cannot publish to "
        "our site or send to our subscribers.",
        "Authentication with two independent factors (something you know and something you "
        "have, such as a TOTP app). Common Ground requires it for IT administrators; the "
        "share of administrators with it is a governance metric.",
        "After the password, the admin asks for the six-digit code from an authenticator app.",
        ("governance.two_factor_share",),
    ),
    SeedTerm(
        "sri",
        "SRI (Subresource Integrity)",
        "A fingerprint attached to a script we load from another company's server, so the "
        "browser runs it only if it is exactly the version we checked. It protects "
        "campaign pages if a vendor is hacked, but every vendor update needs the "
        "fingerprint renewed.",
        "An integrity attribute holding a hash of an external script or stylesheet; the "
        "browser refuses the file if it does not match. It defends against a compromised "
        "CDN or vendor, and suits pinned versions, not scripts the vendor changes daily.",
        '<script src="https://cdn.example.com/lib.js" integrity="sha384-…" '
        'crossorigin="anonymous">',
        ("governance.unapproved_hosts",),
    ),
    SeedTerm(
        "consent-purpose",
        "Consent purpose",
        "The reason a visitor is asked to agree to a tool: necessary, analytics, marketing "
        "or personalisation. A marketing pixel only loads for visitors who said yes to "
        "“marketing”, so its reach is smaller than the site's traffic.",
        "The category under which the consent banner gates a tool's scripts. The registry "
        "records each tool's purpose and the site loads its tags only after that purpose "
        "is granted; “necessary” tools load without asking and must truly be necessary.",
        "An ad pixel has the purpose “marketing”; the site's own session cookie is “necessary”.",
        ("governance.consent_acceptance_rate",),
    ),
    SeedTerm(
        "consent-acceptance-rate",
        "Consent acceptance rate",
        "The share of visitors who agree to analytics or marketing tools in the consent "
        "banner. It caps how many visitors tracking pixels and retargeting can reach.",
        "Granted choices divided by all recorded banner choices, per purpose. A sudden "
        "drop after a banner change can point to a design or wording problem; it must "
        "never be raised by dark patterns, which regulators fine.",
        "62% acceptance for analytics: 38 of every 100 visitors who chose declined it.",
        ("governance.consent_acceptance_rate",),
    ),
    SeedTerm(
        "double-opt-in",
        "Double opt-in",
        "Someone who signs up for the newsletter first gets an e-mail with a confirmation "
        "link, and only becomes a subscriber after clicking it. The list grows a little "
        "slower, but every address is real and wanted the mail, so fewer messages bounce "
        "or land in spam.",
        "Subscription confirmed through a link sent to the address itself, which proves "
        "the owner asked for it. It is our record of consent under the GDPR and protects "
        "the sending domain's reputation from typos and sign-ups of other people's "
        "addresses.",
        "“Please confirm your subscription”: the address joins the list when the link is clicked.",
        ("distribution.confirmed_subscribers",),
    ),
    SeedTerm(
        "rfc-8058",
        "RFC 8058 (one-click unsubscribe)",
        "The standard that lets people unsubscribe with one click from their mail "
        "program's own button. Gmail and Yahoo require it from bulk senders; making "
        "leaving easy keeps our newsletters out of the spam folder.",
        "The List-Unsubscribe-Post header standard: the mail client POSTs to our "
        "unsubscribe URL without opening a page. Our newsletters carry it; the endpoint "
        "must act on a POST only, so link scanners that follow URLs do not unsubscribe "
        "people.",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ("distribution.unsubscribe_rate",),
    ),
    SeedTerm(
        "webhook",
        "Webhook",
        "A message our system sends to another tool the moment something happens, for "
        "example “a page was published”. The CRM or a chat channel hears of it at once, "
        "without anyone copying links.",
        "An HTTP POST we make to a subscriber's URL on an event, signed with a shared "
        "secret so the receiver can verify it. Each one is outbound traffic to a third "
        "party: its failures are retried, logged, and a subscription that keeps failing is "
        "switched off.",
        "On page.published, Common Ground posts the page's title and URL to the team "
        "chat's webhook address.",
        ("distribution.delivery_failure_rate",),
    ),
    SeedTerm(
        "cdn",
        "CDN (content delivery network)",
        "A network of servers around the world that keeps copies of our pages and images "
        "close to visitors. Campaign pages load fast everywhere and survive a rush of "
        "traffic.",
        "A caching layer in front of our servers, run by a provider, that serves static "
        "and cached content from edge locations. It cuts latency and origin load and "
        "absorbs spikes, but it is a third party that sees our traffic: it needs a DPA and "
        "purge rules.",
        "Images served from cdn.example.com; a page purged from the CDN after an edit.",
        ("analytics.lcp_p75", "governance.unapproved_hosts"),
    ),
    SeedTerm(
        "retention",
        "Retention",
        "How long we keep data before deleting it: visitor events, subscriber records, "
        "form entries. Shorter retention means year-on-year comparisons need the daily "
        "snapshots we keep, not the raw events.",
        "The rule per kind of data for when it is deleted, required by the GDPR's storage "
        "limitation. Retention runs delete expired personal data and are audited; keeping "
        "less also lowers storage cost and what a breach could expose.",
        "A policy such as: raw analytics events kept 25 months, unconfirmed newsletter "
        "sign-ups 30 days.",
        ("governance.audit_chain_intact",),
    ),
    SeedTerm(
        "shadow-it",
        "Shadow IT",
        "Tools a team starts using without IT knowing, such as a free form builder or a "
        "browser plugin. It feels faster, but if the tool leaks customer data, the company "
        "is liable, and its costs and renewals surprise the budget.",
        "Software and services in use outside the registry and review process. Its risks "
        "are unvetted data processing, accounts without SSO or offboarding, and scripts "
        "outside the CSP; the site scan's unapproved hosts are one way it shows up.",
        "A survey tool signed up for with a personal card and embedded on a landing page.",
        ("governance.unapproved_hosts", "governance.open_requests"),
    ),
    SeedTerm(
        "risk-tier",
        "Risk tier",
        "The registry's low / medium / high label for a tool, worked out from what data it "
        "touches, where that data is kept and whether contracts and SSO are in place. A "
        "high-risk tool takes longer to approve, so request it early.",
        "A tier computed (never typed) from the entry's answers: data category, data "
        "location, DPA and SSO. It sets how thorough the review is and how often the tool "
        "is re-checked; the reason for the tier is stored next to it.",
        "A CRM holding customer e-mail addresses outside the EU, without a DPA: high.",
        ("governance.open_requests", "governance.review_lead_time"),
    ),
    SeedTerm(
        "third-party-host",
        "Third-party host",
        "Another company's server that our pages load something from: a video player, a "
        "font, an ad pixel. Each one can slow the page and sees our visitors, so it must "
        "be approved before a campaign relies on it.",
        "A host outside our own domains that serves scripts, styles, images, frames or "
        "receives requests from our pages. Approved hosts enter the CSP; the site scan "
        "lists the ones the live site uses and flags the unapproved.",
        "www.youtube-nocookie.com for an embedded video; fonts.gstatic.com for a web font.",
        ("governance.unapproved_hosts", "governance.csp_violations"),
    ),
    SeedTerm(
        "visitor",
        "Visitor",
        "One person (more exactly, one browser on one device) who came to the site in the "
        "period, however many times. It is the best count of how many people a campaign "
        "reached.",
        "A unique visitor is counted from a daily-rotating hash of IP address, user agent "
        "and a salt, without cookies, so one person on two devices counts twice and nobody "
        "can be followed across days. The dashboard estimates the count; the Stats API "
        "counts exactly.",
        "1,000 visitors made 1,400 visits: some came back.",
        ("analytics.visitors",),
    ),
    SeedTerm(
        "visit",
        "Visit",
        "One stay on the site: it starts when someone arrives and ends after 30 minutes "
        "without activity. One visitor can make several visits, for example reading a "
        "newsletter in the morning and coming back in the evening.",
        "A session: the events of one visitor with no gap longer than 30 minutes. Source, "
        "UTM tags, entry and exit page belong to the visit, so the first page's referrer "
        "decides where the whole visit came from.",
        "A visitor who arrived from a newsletter, left, and came back from Google made two visits.",
        ("analytics.visits",),
    ),
    SeedTerm(
        "pageview",
        "Pageview",
        "One page shown to a visitor. Pageviews say how much was read; a campaign with "
        "many pageviews per visit kept people interested.",
        "One page-load event recorded by the tracker (or a route change in a single-page "
        "app). Reloads count again; bots are filtered out. Pageviews drive the event "
        "store's size and so its storage cost.",
        "A visit that read the home page, pricing and the sign-up page made three pageviews.",
        ("analytics.pageviews",),
    ),
    SeedTerm(
        "visit-duration",
        "Visit duration",
        "How long a visit lasted, from its first page to its last action. Longer is "
        "usually better for articles; for a sign-up page, a short visit that converts is "
        "the goal.",
        "The time between a visit's first and last event; a visit of one pageview has no "
        "measurable duration and counts as zero. It is an average over visits, so a few "
        "very long visits pull it up.",
        "An average visit duration of 1m 45s on the blog.",
        ("analytics.visit_duration",),
    ),
    SeedTerm(
        "goal",
        "Goal (conversion goal)",
        "An action we count as success on the site: a sign-up, a download, a purchase, or "
        "reaching a thank-you page. Goals are what conversion rates and campaign ROI are "
        "computed from.",
        "A named custom event or page path configured per tracked site. The tracker sends "
        "the event; counting it needs no cookie. (A scorecard goal is something else: a "
        "target on a catalogue metric.)",
        "Goal “Signup”: the custom event sent when the sign-up form is submitted.",
        ("analytics.conversions", "analytics.conversion_rate"),
    ),
    SeedTerm(
        "revenue",
        "Revenue",
        "Money attached to goals, such as an order's value. With it, analytics shows what "
        "a campaign earned, not only how many people it brought.",
        "An amount and currency sent with a goal event and summed by the query layer. It "
        "is reported by the browser, so it is an indication for attribution, not the "
        "accounting figure from the finance system.",
        "A “Purchase” goal sent with revenue 49.00 EUR.",
        ("analytics.revenue", "budget.spend_vs_plan"),
    ),
    SeedTerm(
        "page-speed",
        "Page speed",
        "How fast pages load and respond for real visitors, measured by the Web Vitals "
        "LCP, INP and CLS. Slow pages cost conversions and search ranking, so new scripts "
        "and images are worth their weight.",
        "Real-user measurements of LCP, INP, CLS and TTFB sent by the tracker and reported "
        "at p75. Releases, caching, image sizes and third-party scripts move it; it is the "
        "guardrail paired with growth goals.",
        "LCP p75 2.3 s, INP p75 180 ms, CLS p75 0.05: all three good.",
        ("analytics.lcp_p75", "analytics.inp_p75", "analytics.cls_p75"),
    ),
    SeedTerm(
        "funnel",
        "Funnel",
        "The steps visitors take towards a goal, such as landing page, pricing, sign-up, "
        "with how many drop out at each. It shows where a campaign loses people.",
        "An ordered list of pages or goals counted within one visit: a visitor counts at a "
        "step only after reaching the steps before it. Computed from the event store on "
        "request, so long funnels over long periods cost query time.",
        "Home → Pricing → Signup: 1,000, 300 and 45 visitors.",
        ("analytics.conversion_rate", "analytics.conversions"),
    ),
    SeedTerm(
        "referrer",
        "Referrer",
        "The site a visitor came from, such as a search engine, a social network or a "
        "partner's article. Together with UTM tags it decides which source gets the credit "
        "for a visit.",
        "The Referer header the browser sends with the first request, reduced to a source "
        "name. Browsers often send only the domain, and apps and e-mail clients send none, "
        "which is why such visits look “direct” unless the link carries UTM tags.",
        "Referrer www.linkedin.com shows as source “LinkedIn”.",
        ("analytics.visits", "distribution.channel_visits"),
    ),
    SeedTerm(
        "segment",
        "Segment",
        "A saved group of visitors defined by filters, such as “visitors from the "
        "newsletter in Germany”. A team looks at the same audience every time instead of "
        "rebuilding the filters.",
        "A stored set of Stats API filters the query layer adds to a query. It describes "
        "visits, not people: no profile is built and nothing is kept per person.",
        "Segment “From Google”: source is Google.",
        ("analytics.visitors",),
    ),
    SeedTerm(
        "stats-api",
        "Stats API",
        "The way other tools (a spreadsheet, a BI dashboard) read our analytics numbers "
        "with a key. It gives the same numbers as the dashboard, so reports in other tools "
        "agree.",
        "A read-only HTTP API (modelled on Plausible's v2 query API), authenticated with "
        "API keys and rate-limited. Keys should be scoped, stored as secrets and revoked "
        "when their owner leaves.",
        'POST /api/v2/query with metrics ["visitors"] and date_range "30d".',
        ("analytics.visitors", "analytics.visits"),
    ),
    SeedTerm(
        "channel",
        "Channel",
        "A kind of route visitors arrive by (organic search, social, e-mail, paid, "
        "referral, direct), or one place we distribute a page to, such as the newsletter "
        "or Mastodon. It shows which routes are worth the effort.",
        "In analytics, a grouping of sources and UTM mediums into broad routes. In "
        "distribution, one configured outbound connection (SMTP, a social network's API) "
        "with its own credentials to protect and failures to watch.",
        "Channel “Email”: visits tagged utm_medium=email.",
        ("distribution.channel_visits", "analytics.visits"),
    ),
    SeedTerm(
        "subscriber",
        "Subscriber",
        "A person on a newsletter list who confirmed they want it. Confirmed subscribers "
        "are the list's real size: only they receive newsletters.",
        "A stored e-mail address with its consent record (when and how it was confirmed) "
        "and status. It is personal data: covered by retention rules, data-subject "
        "requests and export on request.",
        "1,200 confirmed subscribers; 80 more still waiting for their confirmation link.",
        ("distribution.confirmed_subscribers", "distribution.unsubscribe_rate"),
    ),
    SeedTerm(
        "suppression",
        "Suppression",
        "An address we must no longer send to, because it bounced for good, complained or "
        "unsubscribed. It stays on a block list so an import cannot add it back.",
        "A record that blocks sending to an address, kept even after the subscription is "
        "gone. It protects the sending reputation and honours objections; it holds the "
        "minimum needed, typically the address or its hash and the reason.",
        "An address that hard-bounced twice is suppressed; a later import skips it.",
        ("distribution.delivery_failure_rate", "distribution.unsubscribe_rate"),
    ),
    SeedTerm(
        "delivery-failure-rate",
        "Delivery failure rate",
        "The share of messages that did not arrive: bounced addresses, full mailboxes, "
        "refused posts. A high rate hurts the reputation of our sending domain, so later "
        "campaigns land in spam.",
        "Failed deliveries divided by attempted deliveries in the delivery log, across "
        "newsletters, social posts and webhooks. Rising failures point to stale lists, "
        "expired credentials or an outage at the receiving service.",
        "30 failures in 2,000 sends: a 1.5% delivery failure rate.",
        ("distribution.delivery_failure_rate", "distribution.newsletter_sends"),
    ),
    SeedTerm(
        "unsubscribe-rate",
        "Unsubscribe rate",
        "The share of recipients who left the list after a newsletter. A rise says the "
        "content or frequency is not what subscribers signed up for.",
        "Unsubscriptions in the period divided by the subscribers sent to. One-click "
        "unsubscribe (RFC 8058) makes leaving easy on purpose, which keeps spam "
        "complaints, and so deliverability problems, down.",
        "6 unsubscribes from 1,200 recipients: 0.5%.",
        ("distribution.unsubscribe_rate", "distribution.confirmed_subscribers"),
    ),
    SeedTerm(
        "approval-lead-time",
        "Approval lead time",
        "How long a page waits between being submitted for review and going live. "
        "Marketing wants it short for timely campaigns; the review is there so nothing "
        "wrong is published.",
        "The median hours from submission to publish in the moderation workflow. A long "
        "lead time can mean reviewers are overloaded; a very short one can mean reviews "
        "are waved through.",
        "Submitted Monday 10:00, published Monday 15:00: 5 hours.",
        ("content.approval_lead_time", "content.pages_published"),
    ),
    SeedTerm(
        "published-page",
        "Published page",
        "A page that visitors can see on the live site. It counts as published the first "
        "time it goes live; later edits republish it without making it a new page.",
        "A page whose live version is served to anonymous visitors (and cached). Publishing "
        "is the moment the review workflow ends and the page, its images and links become "
        "public.",
        "A launch page first published on 3 November counts once in November, however often "
        "it is edited.",
        ("content.pages_published",),
    ),
    SeedTerm(
        "technology-request",
        "Technology request",
        "The form marketing uses to ask IT to approve a new tool or vendor script, with "
        "what it is for and what data it touches. It is the fast lane compared with adding "
        "the tool unasked and having it blocked.",
        "A request that goes through the review questionnaire and ends in approval or "
        "rejection. On approval the tool and its hosts enter the registry and the CSP; "
        "either way the reasons stay in the audit trail and the decision log.",
        "A request for a webinar tool, hosts cdn.webinar.example and api.webinar.example.",
        ("governance.open_requests", "governance.review_lead_time", "governance.overdue_requests"),
    ),
    SeedTerm(
        "working-day",
        "Working day",
        "Monday to Friday. Review times are counted in working days, so a request sent on "
        "Friday evening is not late on Monday.",
        "The unit of review deadlines and lead times: Saturdays and Sundays do not count. "
        "Lead times then compare fairly across weeks (public holidays are not known to the "
        "product, so they count as working days).",
        "Submitted Thursday, decided the following Tuesday: 3 working days.",
        ("governance.review_lead_time", "governance.overdue_requests"),
    ),
    SeedTerm(
        "review-lead-time",
        "Review lead time",
        "How many working days IT took to decide on a technology request. It tells "
        "marketing how early to ask before a launch.",
        "The median working days from a request's submission to its decision. It measures "
        "the review process's capacity; overdue requests are the ones past the agreed "
        "deadline.",
        "A review lead time of 4 working days this quarter, down from 7.",
        ("governance.review_lead_time", "governance.overdue_requests"),
    ),
    SeedTerm(
        "audit-trail",
        "Audit trail",
        "The record of who changed what and when: published pages, approved tools, "
        "accepted proposals. It settles “who decided this?” without searching through "
        "e-mail.",
        "An append-only log of admin actions, each entry chained to the previous one by a "
        "hash so a deleted or altered entry breaks the chain. “Audit chain intact” checks "
        "it.",
        "“cio accepted the glossary edit of Bounce rate on 3 Dec, 10:05”.",
        ("governance.audit_chain_intact",),
    ),
    SeedTerm(
        "guardrail",
        "Guardrail",
        "A second number watched next to a growth goal so the goal is not reached at a "
        "hidden cost, for example page speed next to conversion rate. The goal only counts "
        "as a success if its guardrails hold.",
        "A goal from the other side paired with a goal on the scorecard, such as CSP "
        "violations or LCP p75 next to a campaign's conversions. Growth then never "
        "silently costs security or speed.",
        "Goal: conversion rate 3.5%; guardrails: LCP p75 under 2.5 s, no new unapproved hosts.",
        ("analytics.lcp_p75", "governance.csp_violations", "analytics.conversion_rate"),
    ),
    SeedTerm(
        "scorecard",
        "Scorecard",
        "The shared list of goals both sides agreed on, each computed live from the "
        "product's data with its status: on track, at risk, off track. Both sides read the "
        "same numbers.",
        "Goals on catalogue metrics with owners, periods and targets, computed from the "
        "source apps' own query layers and snapshotted daily. Joint goals change only with "
        "both leads' approval, recorded in the audit trail.",
        "Joint goal “Sign-ups from the newsletter +10% this quarter”: at risk.",
        ("manual.check_in",),
    ),
    SeedTerm(
        "budget-variance",
        "Budget variance",
        "The difference between what was planned and what was actually spent on a budget "
        "line. A large positive variance means overspending, and the money has to come "
        "from somewhere.",
        "Actual spend minus planned spend per line and period, as an amount and a "
        "percentage. Tool licences and infrastructure flow in from the registry's annual "
        "costs, so IT's variance shows next to marketing's.",
        "Campaigns: planned 20,000 EUR, spent 23,000 EUR: +3,000 EUR (+15%).",
        ("budget.spend_vs_plan",),
    ),
    SeedTerm(
        "roi",
        "ROI (return on investment)",
        "What a campaign brought back compared with what it cost: revenue per unit spent, "
        "cost per visit, cost per conversion. It makes the case for the next budget.",
        "Campaign spend tagged with a UTM campaign set against that campaign's analytics "
        "figures. Only spend and conversions that are tracked count, so ROI is as reliable "
        "as the tagging and the goal set-up.",
        "5,000 EUR spent, 250 sign-ups: 20 EUR per conversion.",
        ("budget.spend_vs_plan", "analytics.revenue", "analytics.conversions"),
    ),
    SeedTerm(
        "reallocation",
        "Reallocation",
        "Moving money from one budget line to another during the period, with the reason, "
        "for example from advertising to a new tool. Both leads must accept it.",
        "A request to move an amount between budget lines. It applies only when both leads "
        "accept and is recorded in the audit trail, so the plan's history stays "
        "explainable.",
        "Move 4,000 EUR from “Campaigns and advertising” to “Security” for a penetration test.",
        ("budget.spend_vs_plan",),
    ),
    SeedTerm(
        "business-case",
        "Business case",
        "Why a new tool or campaign is worth it: the effect marketing expects, on a "
        "metric, in a set time. When the time is up, the expected effect is shown next to "
        "the measured one.",
        "The request's expected effect together with IT's estimate of cost, effort and "
        "risk. It lets IT weigh a tool's risk against a stated benefit, and check later "
        "whether the benefit came.",
        "“Demo requests +20% in 90 days”; IT: 3,000 EUR a year, two days' set-up, medium risk.",
        ("analytics.conversions", "budget.spend_vs_plan"),
    ),
    SeedTerm(
        "renewal",
        "Renewal",
        "The date a tool's contract renews, usually with its yearly cost. It is the moment "
        "to ask whether the tool still earns its price, before the money is committed "
        "again.",
        "The contract renewal date in the registry. Renewals due in the next 90 days are "
        "listed with their costs, so notice periods and a re-review are not missed.",
        "The webinar tool renews on 1 March for 3,600 EUR; notice is due by 1 February.",
        ("budget.spend_vs_plan",),
    ),
    SeedTerm(
        "decision-log",
        "Decision log",
        "The searchable list of what both sides decided in review meetings and requests: "
        "the context, the decision, its consequences and its owner. New colleagues see why "
        "things are as they are.",
        "Structured decision records (context, decision, consequences, owner), "
        "technology-request decisions included. They are searchable and exportable, "
        "instead of buried in meeting notes.",
        "“Use the newsletter's UTM tags on every channel from April (owner: marketing).”",
        ("governance.open_requests",),
    ),
    SeedTerm(
        "pulse",
        "Pulse (relationship pulse)",
        "A short quarterly survey asking both sides how well they work together, on a "
        "five-point scale. Results per side are shown side by side with the gap between "
        "them.",
        "An anonymous survey: a side's results appear only when at least three of its "
        "people answered, so nobody's answer can be singled out. Answers are stored "
        "without the name of who gave them.",
        "“We meet regularly”: marketing 3.1, IT 4.2, a gap of 1.1.",
        ("manual.check_in",),
    ),
)
