// Ten steps, one word each: a conversation long enough to cross every node of a cluster (scripts/cluster up).
// Stateful, each k-url names the node that holds it and the balancer sends it back there; with --stateless, every
// step may land on any node, and links too long for a URL are kept in the shared store.
// Run alone: scripts/devserve run servlets/steps.csx
const int Steps = 10;

async Task<Response> Start(Request request)
{
    var words = new List<string>();
    for (var step = 1; step <= Steps; step++)
    {
        words.Add(await AskWord(step, words.Count == 0 ? "nothing yet" : string.Join(" ", words)));
    }
    return Response.Html($"<html><head><title>Done</title></head><body><p id=\"words\">{Esc(string.Join(" ", words))}</p>"
        + "<p><a href=\"/\">Again</a></p></body></html>");
}

async Task<string> AskWord(int step, string sofar)
{
    var answer = await SendSuspend(k => Response.Html(
        $"<html><head><title>Step {step} of {Steps}</title></head><body><p>So far: <span id=\"sofar\">{Esc(sofar)}</span></p>"
        + $"<form action=\"{k}\" method=\"post\">Word {step}: <input name=\"word\" autofocus /><input type=\"submit\" value=\"Next\" /></form>"
        + "</body></html>"));
    return answer.Bindings["word"] ?? "";
}

static string Esc(string text) => System.Net.WebUtility.HtmlEncode(text);
