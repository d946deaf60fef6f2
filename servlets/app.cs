#!/usr/bin/env devserve
#:sdk Microsoft.NET.Sdk.Web
#:property PublishAot=false
#:project ../src/DevServe/DevServe.csproj
// One file, two ways to run it:
//   dotnet run servlets/app.cs            the lines below start a plain server (no reload); options after --
//   scripts/devserve run servlets/app.cs  devserve skips them, serves Start itself and reloads it on every save
using DevServe;
using static DevServe.Web;

await Launch.ServeServlet(Start, servletPath: "/", port: args is [var port, ..] ? int.Parse(port) : 8000,
    launchBrowser: !args.Contains("--no-browser"));

// Adds two numbers with two SendSuspends: each answers with a form and waits, in the middle of Start, for the
// request the form sends.
static async Task<Response> Start(Request request)
{
    var first = await GetNumber("first");
    var second = await GetNumber("second");
    return Response.Html($"<html><head><title>Sum</title></head><body><p>The answer is {first + second}</p></body></html>");
}

static async Task<int> GetNumber(string which)
{
    var request = await SendSuspend(k => Response.Html(
        "<html><head><title>Enter a number</title></head><body>"
        + $"<form action=\"{k}\" method=\"post\">Enter the {which} number to add: "
        + "<input name=\"number\" autofocus /><input type=\"submit\" value=\"Enter\" /></form></body></html>"));
    return int.TryParse(request.Bindings["number"], out var number) ? number : 0;
}
