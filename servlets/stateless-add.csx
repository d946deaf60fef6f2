// The add servlet, stateless: run it with `devserve run servlets/stateless-add.csx --stateless`. Nothing of a
// conversation stays on the server: each form's URL carries the requests so far (signed), and resuming replays
// Start with them. Stop the server between the two numbers, start it again: the second form still works.
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
        + "<input name=\"number\" autofocus /><input type=\"submit\" value=\"Enter\" /></form></body></html>"));
    return int.Parse(request.Bindings["number"] ?? throw new ArgumentException("The form sent no number."));
}
