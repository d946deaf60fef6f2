// A counter built from closures: each link is a handler that knows its own n. Open a link in two tabs,
// go back and click again: every page keeps the count it showed.
Response Start(Request request) => Counter(0);

Response Counter(int n) => SendSuspendDispatch(embed => Response.Html(
    $"<html><body><p>Count: {n}</p>"
    + $"<a href=\"{embed(_ => Counter(n + 1))}\">+1</a> <a href=\"{embed(_ => Counter(n - 1))}\">-1</a></body></html>"));
