// Adds two numbers with two SendSuspends. Each one answers with a form and waits, in the middle of Start,
// for the request the form sends. The back button works: an old form goes on from its SendSuspend, with its own copy of the locals.
async Task<Response> Start(Request request)
{
    var first = await GetNumber("first");
    var second = await GetNumber("second");
    return Response.Html(
        $"<html><head><title>Sum</title></head><body><p>The answer is {first + second}</p></body></html>");
}

async Task<int> GetNumber(string which)
{
    var request = await SendSuspend(k => Response.Html(
        "<html><head><title>Enter a number</title></head><body>"
        + $"<form action=\"{k}\" method=\"post\">Enter the {which} number to add: "
        + "<input name=\"number\" autofocus /><input type=\"submit\" name=\"enter\" value=\"Enter\" /></form>"
        + "</body></html>"));
    return int.Parse(request.Bindings["number"] ?? throw new ArgumentException("The form sent no number."));
}
