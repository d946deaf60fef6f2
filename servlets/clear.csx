// SendForward and SendFinish forget the instance's earlier pages: once you move on, old links expire.
async Task<Response> Start(Request request)
{
    await SendSuspend(k => Link(k));
    await SendForward(k => Link(k));               // the first page's link has expired from here on
    SendFinish(Response.Html("<h1>Done.</h1>"));   // so has this one's: nothing can repeat the finish
    return default!;                               // not reached: SendFinish does not return
}

Response Link(string k) => Response.Html($"<html><body><a href=\"{k}\">Link</a></body></html>");
