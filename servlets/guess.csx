// Guess the number. The number is chosen with Remember: a replay (the back button, or any request of a stateless
// run) reads it back from the log instead of rolling again, so the game stays the same game.
async Task<Response> Start(Request request)
{
    var secret = Remember(() => Random.Shared.Next(1, 101));
    var message = "I picked a number between 1 and 100.";
    for (var tries = 1; ; tries++)
    {
        var answer = await SendSuspend(k => Response.Html(
            $"<html><body><p>{message}</p><form action=\"{k}\" method=\"post\">"
            + "<input name=\"guess\" autofocus /><input type=\"submit\" value=\"Guess\" /></form></body></html>"));
        var guess = int.TryParse(answer.Bindings["guess"], out var g) ? g : 0;
        if (guess == secret)
        {
            return Response.Html($"<html><body><p>{secret} it is, in {tries} tries!</p><a href=\"/\">Again</a></body></html>");
        }
        message = guess < secret ? $"{guess} is too small." : $"{guess} is too big.";
    }
}
