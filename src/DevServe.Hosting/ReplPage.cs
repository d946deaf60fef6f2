using System.Text.Json;

namespace DevServe.Hosting;

/// <summary>
/// The REPL in the browser, at <see cref="PagePath"/>: the terminal's session (entries run one at a time, whichever
/// side typed them), with completion, history and values shown as HTML, and the servlet's page beside it, which
/// reloads as <c>Start</c> is redefined.
/// </summary>
/// <remarks>
/// It runs any C#, so it is guarded more than any other page. Only this machine gets it (a loopback client and
/// <c>Host</c>); its URL carries the launch's token (printed in the terminal, opened by <c>#browser</c>), the page
/// itself never holds it in its HTML, and every call posts it with the page's <c>Origin</c>. The servlet beside it
/// is framed from the other loopback name (<c>localhost</c> for a page at <c>127.0.0.1</c>, and back): another origin,
/// so a script in the servlet's pages (an XSS in the prototype) can neither read the REPL page nor post as it. Pages
/// shown inline are sandboxed, and nothing may frame the REPL page. Its script and style are written here, in the
/// package: nothing is fetched from a network.
/// </remarks>
internal sealed class ReplPage(string token, Func<string, Task<ReplPage.Outcome>> run, Func<string, int, Task<ReplCompletion.Result>> complete,
    Func<IReadOnlyList<string>> history, string launchPath = "/")
{
    /// <summary>The page's URL at <paramref name="baseUrl"/> (<c>http://localhost:8000</c>), with the token.</summary>
    public string Url(string baseUrl) => $"{baseUrl}{PagePath}?token={token}";

    /// <summary>The page's path.</summary>
    public const string PagePath = "/__devserve/repl";

    /// <summary>What an entry did, for the page.</summary>
    /// <param name="Incomplete">The entry is not whole code yet (the page adds a line instead).</param>
    /// <param name="Value">Its value, as C# shows it.</param>
    /// <param name="Errors">Its compile errors.</param>
    /// <param name="Exception">What it threw.</param>
    /// <param name="Serving">The line saying the server now serves the new <c>Start</c>.</param>
    /// <param name="Shown">The pages it showed with <c>ShowInBrowser</c> (their paths).</param>
    public sealed record Outcome(bool Incomplete, string? Value, IReadOnlyList<string> Errors, string? Exception, string? Serving, IReadOnlyList<string> Shown);

    /// <summary>Serves the page and its calls; other requests pass on.</summary>
    public ValueTask<Response?> Dispatch(Request request)
    {
        if (!request.Path.StartsWith(PagePath, StringComparison.Ordinal))
        {
            return Dispatchers.NextDispatcher;
        }
        return request.Path switch
        {
            PagePath when LocalEndpoint.OnlyHere(request) is { } refused => new(refused),
            PagePath when !LocalEndpoint.HasToken(request, token) => new(LocalEndpoint.Text(403,
                "Open the REPL with the URL devserve printed (it carries this launch's token), or type #browser at the prompt.")),
            PagePath => new(Response.Html(Page(request), headers: [new Header("Cache-Control", "no-store"), new Header("X-Frame-Options", "DENY"),
                new Header("Content-Security-Policy", "frame-ancestors 'none'"), new Header("Referrer-Policy", "no-referrer")])),
            PagePath + "/run" or PagePath + "/complete" or PagePath + "/history" => CallAsync(request),
            _ => new(LocalEndpoint.Text(404, "No such REPL call.")),
        };
    }

    private async ValueTask<Response?> CallAsync(Request request)
    {
        if (LocalEndpoint.Refusal(request, token, requireOrigin: true) is { } refused)
        {
            return refused;
        }
        var code = request.Bindings["code"] ?? "";
        object answer = request.Path[(PagePath.Length + 1)..] switch
        {
            "run" => await run(code).ConfigureAwait(false),
            "complete" => await complete(code, int.TryParse(request.Bindings["position"], out var p) ? p : code.Length).ConfigureAwait(false),
            _ => history(),
        };
        return Response.Json(answer, headers: [new Header("Cache-Control", "no-store")]);
    }

    // The servlet's frame: the same port under the other loopback name.
    private string ServletFrame(Request request)
    {
        var host = request.Header("Host") ?? "";
        var port = host.LastIndexOf(':') is var colon && colon > host.LastIndexOf(']') && colon >= 0 ? host[colon..] : "";
        var other = host.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" : "localhost";
        return $"{request.Uri.Scheme}://{other}{port}{launchPath}";
    }

    private string Page(Request request) => """
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>DevServe REPL</title><style>
        body{margin:0;font-family:sans-serif;display:flex;height:100vh}
        #repl{flex:1;display:flex;flex-direction:column;min-width:0;border-right:1px solid #ccc}
        #log{flex:1;overflow:auto;padding:.5em 1em;font-family:monospace;white-space:pre-wrap}
        #log .in{color:#555}#log .in::before{content:"> "}#log .error{color:#b00}#log .serving{color:#070}
        #log iframe{width:100%;height:12em;border:1px solid #ddd;background:#fff}
        #entry{font-family:monospace;font-size:1em;min-height:4em;margin:0;border:0;border-top:1px solid #ccc;padding:.5em 1em;resize:vertical}
        #completions{position:absolute;list-style:none;margin:0;padding:0;background:#fff;border:1px solid #888;font-family:monospace;max-height:14em;overflow:auto;z-index:1}
        #completions li{padding:0 .5em;cursor:pointer}#completions li.on{background:#cde}
        #servlet{flex:1;border:0;min-width:0}
        </style></head><body><div id="repl"><div id="log"></div>
        <textarea id="entry" spellcheck="false" placeholder="C#: Enter runs it (Shift+Enter for a new line), Tab completes, Up and Down walk the history"></textarea></div>
        """ + "<iframe id=\"servlet\" src=\"" + System.Net.WebUtility.HtmlEncode(ServletFrame(request)) + "\" title=\"The servlet\"></iframe>" + """
        <script>
        const token=new URLSearchParams(location.search).get("token");
        const log=document.getElementById("log"),entry=document.getElementById("entry");let history=[],at=0,popup=null;
        const post=(call,data)=>fetch("/__devserve/repl/"+call,{method:"POST",body:new URLSearchParams({token,...data})}).then(r=>r.json());
        post("history",{}).then(h=>{history=h;at=h.length;});
        const add=(cls,text)=>{const d=document.createElement("div");d.className=cls;d.textContent=text;log.appendChild(d);log.scrollTop=log.scrollHeight;return d;};
        async function runEntry(){const code=entry.value,p=entry.selectionStart;if(!code.trim())return;
          entry.value="";   // at once: what is typed while it runs is the next entry
          const o=await post("run",{code});
          if(o.incomplete){if(!entry.value){entry.value=code;entry.setSelectionRange(p,p);entry.setRangeText("\n",p,p,"end");}return;}
          add("in",code);history.push(code);at=history.length;
          for(const e of o.errors)add("error",e);if(o.exception)add("error",o.exception);if(o.value!==null)add("value",o.value);
          if(o.serving){add("serving",o.serving);}
          for(const path of o.shown){const f=document.createElement("iframe");f.sandbox="allow-scripts allow-forms";f.src=path;log.appendChild(f);}
          log.scrollTop=log.scrollHeight;}
        function closePopup(){if(popup){popup.remove();popup=null;}}
        function pick(text,start,length){entry.setRangeText(text,start,start+length,"end");closePopup();entry.focus();}
        async function completeEntry(){const r=await post("complete",{code:entry.value,position:entry.selectionStart});
          if(!r.items.length)return;if(r.items.length===1){pick(r.items[0],r.start,r.length);return;}
          closePopup();popup=document.createElement("ul");popup.id="completions";
          r.items.forEach((t,i)=>{const li=document.createElement("li");li.textContent=t;if(!i)li.className="on";li.onmousedown=e=>{e.preventDefault();pick(t,r.start,r.length);};popup.appendChild(li);});
          popup.pick=()=>{const on=popup.querySelector(".on");pick(on.textContent,r.start,r.length);};
          const box=entry.getBoundingClientRect();popup.style.left=box.left+"px";popup.style.bottom=(innerHeight-box.top)+"px";document.body.appendChild(popup);}
        function move(d){const items=[...popup.children],i=items.findIndex(li=>li.className==="on");items[i].className="";
          const n=items[(i+d+items.length)%items.length];n.className="on";n.scrollIntoView({block:"nearest"});}
        entry.addEventListener("keydown",e=>{
          if(popup){if(e.key==="ArrowDown"||e.key==="ArrowUp"){e.preventDefault();move(e.key==="ArrowDown"?1:-1);return;}
            if(e.key==="Enter"||e.key==="Tab"){e.preventDefault();popup.pick();return;}if(e.key==="Escape"){closePopup();return;}closePopup();}
          const before=entry.value.slice(0,entry.selectionStart);
          if(e.key==="Tab"||(e.key===" "&&e.ctrlKey)){e.preventDefault();
            if(e.key==="Tab"&&/(^|\n)\s*$/.test(before))entry.setRangeText("    ",entry.selectionStart,entry.selectionEnd,"end");else completeEntry();return;}
          if(e.key==="Enter"&&!e.shiftKey){e.preventDefault();runEntry();return;}
          if(e.key==="ArrowUp"&&!before.includes("\n")&&at>0){e.preventDefault();entry.value=history[--at];return;}
          if(e.key==="ArrowDown"&&!entry.value.slice(entry.selectionStart).includes("\n")&&at<history.length){e.preventDefault();at++;entry.value=at<history.length?history[at]:"";}
        });
        entry.focus();
        </script></body></html>
        """;
}
