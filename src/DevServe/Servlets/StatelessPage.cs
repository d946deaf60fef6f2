using System.Net;

namespace DevServe.Internal;

/// <summary>
/// The page of a stateless suspension in resumable code, made once its frames are collected: its link carries the
/// frames (<see cref="FrameToken"/>), or, when they could not be collected, the replay log as before.
/// </summary>
internal static class StatelessPage
{
    /// <summary>Answers <paramref name="flow"/>'s request with the page; never throws (it runs inside the suspension's unwinding).</summary>
    public static void Answer(Flow flow, SuspendedChain chain, bool isSealed, Func<string, Response> makePage, int site)
    {
        try
        {
            var stuffer = flow.Runtime.Stuffer!;
            string url;
            if (isSealed)
            {
                var (assembly, root) = flow.Runtime.OwnCode;
                url = StatelessUrl.Format(flow.Current.Uri, FrameToken.Suspension(chain, assembly, root), stuffer, mayStore: !flow.Anonymous);
            }
            else if (flow.Log is not null && flow.Parents is { } parents)
            {
                url = StatelessUrl.Format(flow.Current.Uri, new StatelessContinuation([.. parents, flow.CurrentFrame()], site, null), stuffer,
                    mayStore: !flow.Anonymous);
            }
            else
            {
                flow.Answer(flow.Runtime.ErrorPage(flow.Current, new InvalidOperationException(
                    $"This page cannot be made: its link can carry neither its frames ({chain.Reason}) nor, after a page resumed from its "
                    + "frames, a replay from the start.")));
                return;
            }
            flow.Answer(makePage(url));
        }
        catch (UnwritableException unwritable)
        {
            flow.Answer(Unwritable(flow.Current, unwritable));
        }
        catch (SendBackException back)
        {
            flow.Answer(back.Response);
        }
        catch (Exception e)
        {
            flow.Answer(flow.Runtime.ErrorPage(flow.Current, e));
        }
    }

    /// <summary>The token of an embedded handler, or <c>null</c> when it is not the servlet's own or cannot be written (then it is found by replay).</summary>
    public static byte[]? HandlerToken(Flow flow, Func<Request, Task<Response>> handler)
    {
        try
        {
            var (assembly, root) = flow.Runtime.OwnCode;
            return FrameToken.Handler(handler, assembly, root);
        }
        catch (UnwritableException) when (flow.Log is not null)
        {
            return null;
        }
    }

    /// <summary>The error page for a local a link cannot carry: names it and its type, and says what to do.</summary>
    public static Response Unwritable(Request request, UnwritableException e) => Response.Html(
        "<!DOCTYPE html><html><head><title>Stateless servlet error</title></head><body><h1>This page cannot be put in a link</h1>"
        + $"<p>{WebUtility.HtmlEncode(e.Message)}</p>"
        + "<p>A stateless servlet's link carries the locals that live across a suspension. Keep there only what a link can carry "
        + "(numbers, strings, dates, lists, dictionaries, arrays, requests, and your own records and classes made of those), and make "
        + $"the {WebUtility.HtmlEncode(e.Type.Name)} again after the suspension; or serve the servlet statefully.</p></body></html>", 500);
}
