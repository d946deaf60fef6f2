// Adds two numbers with SendSuspendDispatch: each form's action is a handler (a closure) registered with
// `embed`. A closure can be invoked any number of times, so the back button just works.
Response Start(Request request) => AskFirst();

Response AskFirst() =>
    SendSuspendDispatch(embed => Form("first", embed(r => AskSecond(Number(r)))));

Response AskSecond(int first) =>
    SendSuspendDispatch(embed => Form("second", embed(r => Sum(first, Number(r)))));

Response Sum(int first, int second) => Response.Html(
    $"<html><head><title>Sum</title></head><body><p>The answer is {first + second}</p></body></html>");

Response Form(string which, string action) => Response.Html(
    "<html><head><title>Enter a number</title></head><body>"
    + $"<form action=\"{action}\" method=\"post\">Enter the {which} number to add: "
    + "<input name=\"number\" autofocus /><input type=\"submit\" value=\"Enter\" /></form></body></html>");

int Number(Request request) =>
    int.Parse(request.Bindings["number"] ?? throw new ArgumentException("The form sent no number."));
