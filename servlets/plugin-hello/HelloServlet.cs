using DevServe;
using static DevServe.Web;

namespace PluginHello;

/// <summary>The servlet: devserve calls the one public static Start(Request) it finds, as it does in a script.</summary>
public static class HelloServlet
{
    /// <summary>Greets, then asks a name with a SendSuspend and greets by name.</summary>
    public static async Task<Response> Start(Request request)
    {
        var answer = await SendSuspend(k => Response.Html(
            "<html><head><title>Plugin hello</title></head><body><h1>Hello from a plugin</h1>"
            + $"<form action=\"{k}\" method=\"post\">Your name: <input name=\"name\" autofocus /> <input type=\"submit\" value=\"Greet\" /></form>"
            + "</body></html>"));
        var name = System.Net.WebUtility.HtmlEncode(answer.Bindings["name"] ?? "stranger");
        return Response.Html($"<html><head><title>Plugin hello</title></head><body><h1>Hello, {name}!</h1><p><a href=\"/\">Again</a></p></body></html>");
    }
}
