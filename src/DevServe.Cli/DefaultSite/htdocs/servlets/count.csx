// The script's top level runs once when the servlet loads, so `loads` counts every request since then,
// while `requests` belongs to one request (Racket's count.rkt example).
var loads = 0;

Response Start(Request request)
{
    var requests = 0;
    loads++;
    requests++;
    return Response.Html($"<html><head><title>Count</title></head><body><p>Servlet count: {loads}</p><p>Request count: {requests}</p></body></html>");
}
