using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace DevServe.Hosting;

/// <summary>
/// Fix and retry, as Seaside lets you proceed after a fix: a request that failed (a runtime error, or the servlet did
/// not compile when it came) is kept under a token, and its error page sends it again once the code compiles.
/// </summary>
/// <remarks>
/// A GET on its own is sent again by reloading the page. Anything else (a POST, or any request that resumed a
/// conversation) is posted back to its own URL with the token in <see cref="Field"/>, and the servlet's versions
/// answer the kept request instead: a conversation is replayed on the new code first (<see cref="Conversation.Retry"/>).
/// The last <see cref="Capacity"/> are kept (requests only: nothing of the old code); an older token gets a page saying so.
/// </remarks>
internal sealed class FixAndRetry
{
    /// <summary>The form field a retry posts its token in.</summary>
    public const string Field = "__devserve_retry";

    /// <summary>How many failed requests are kept: the oldest goes when another comes.</summary>
    public const int Capacity = 64;

    private readonly Dictionary<string, Failure> _kept = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private volatile bool _any;

    private sealed record Failure(Request Request, Conversation? Conversation);

    /// <summary>Whether any request is kept (a retry is possible at all): the servlet path checks this first.</summary>
    public bool Any => _any;

    /// <summary>
    /// The request a retry asks for, arriving as <paramref name="carrier"/>: the failed one again (replaying its conversation first), or
    /// an answer when its token is not (or no longer) known; <c>null</c> when <paramref name="carrier"/> is no retry.
    /// </summary>
    public (Request? Retry, Response? Answer)? Take(Request carrier)
    {
        if (carrier.Method != "POST" || carrier.Bindings[Field] is not { } token)
        {
            return null;
        }
        if (!LocalEndpoint.SameOrigin(carrier, requireOrigin: false))
        {
            return (null, LocalEndpoint.Text(403, "A retry comes only from this server's own error page."));
        }
        Failure? failure;
        lock (_kept)
        {
            _kept.TryGetValue(token, out failure);
        }
        if (failure is null)
        {
            return (null, Response.Html("<!DOCTYPE html><html><head><title>Retry no longer available</title></head><body>"
                + "<h1>This retry is no longer available</h1><p>The server has restarted or keeps only the latest failed requests. "
                + "<a href=\"/\">Start over</a>.</p></body></html>", 410));
        }
        var request = failure.Conversation is { } conversation
            ? conversation.Retry(carrier)
            : new Request(failure.Request.Method, failure.Request.Uri, failure.Request.Headers, failure.Request.Bindings, failure.Request.PostData,
                carrier.HostIp, carrier.HostPort, carrier.ClientIp)
            { Protocol = failure.Request.Protocol, Aborted = carrier.Aborted };
        return (request, null);
    }

    /// <summary>
    /// The retry panel for an error page answering <paramref name="request"/> (the request kept when it needs the
    /// server's help to be sent again), and the marker that tells the live-reload script to leave the page to it.
    /// </summary>
    /// <param name="request">The failed request.</param>
    /// <param name="conversation">Its conversation, when it resumed one.</param>
    /// <param name="compiled">Whether the page is about a runtime error (the code compiled) or a compile error.</param>
    public string Panel(Request request, Conversation? conversation, bool compiled)
    {
        var mid = conversation is { Requests.Count: > 1 };
        if (request.Method is "GET" or "HEAD" && !mid)
        {
            return "<div class=\"retry\"><p>" + (compiled ? "Fix the code and save: " : "")
                + "this page reloads by itself with each new version.</p></div>";
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        lock (_kept)
        {
            _kept[token] = new Failure(request, mid ? conversation : null);
            _order.Enqueue(token);
            while (_order.Count > Capacity)
            {
                _kept.Remove(_order.Dequeue());
            }
            _any = true;
        }
        var what = mid
            ? $"the conversation's {conversation!.Requests.Count - 1} earlier request(s) run again on the new code, then this {WebUtility.HtmlEncode(request.Method)}"
            : $"this {WebUtility.HtmlEncode(request.Method)} is sent again, with the same form data";
        return new StringBuilder()
            .Append("<meta name=\"devserve-retry\" content=\"").Append(mid ? "conversation" : "post").Append("\">")
            .Append("<div class=\"retry\"><form id=\"devserve-retry\" method=\"post\" action=\"").Append(WebUtility.HtmlEncode(request.Uri.PathAndQuery)).Append("\">")
            .Append("<input type=\"hidden\" name=\"").Append(Field).Append("\" value=\"").Append(token).Append("\">")
            .Append("<button type=\"submit\" disabled>Retry with the new code</button> ")
            .Append("<label><input type=\"checkbox\" id=\"devserve-retry-auto\"> retry automatically</label> ")
            .Append("<span id=\"devserve-retry-state\">Fix the code and save: the button is ready once the new version compiles.</span>")
            .Append("</form><p class=\"where\">Retry: ").Append(what).Append(".</p></div>")
            .Append(Script)
            .ToString();
    }

    // Waits (through the live-reload stream's event) for a version that compiles, then offers the retry; a POST asks
    // first unless "retry automatically" is ticked (the choice is kept for the next error page, where storage is allowed).
    private const string Script = "<script>(()=>{const f=document.getElementById(\"devserve-retry\"),b=f.querySelector(\"button\"),"
        + "s=document.getElementById(\"devserve-retry-state\"),auto=document.getElementById(\"devserve-retry-auto\");"
        + "let ls=null;try{ls=localStorage;}catch{}auto.checked=ls?.getItem(\"devserve.retry.auto\")===\"1\";"
        + "auto.onchange=()=>ls?.setItem(\"devserve.retry.auto\",auto.checked?\"1\":\"0\");"
        + "let sure=false;f.onsubmit=e=>{if(!sure&&!confirm(\"Send this request again to the new code?\"))e.preventDefault();};"
        + "const go=()=>{sure=true;f.requestSubmit();};"
        + "addEventListener(\"devserve:swap\",e=>{const m=e.detail;if(!m.ok){b.disabled=true;"
        + "s.textContent=\"Version \"+m.v+\" does not compile yet: waiting for the next save.\";return;}"
        + "b.disabled=false;s.textContent=\"Version \"+m.v+\" compiles.\";if(auto.checked)go();});})();</script>";
}
