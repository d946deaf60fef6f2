using System.Net;

namespace DevServe.Internal;

/// <summary>The shape of every page that ends a conversation: a title, an explanation, and a link to start over.</summary>
internal static class StartOverPage
{
    /// <param name="request">The request answered; its path without continuation parameters is the start URL.</param>
    /// <param name="title">The page title (plain text).</param>
    /// <param name="bodyHtml">The explanation, already HTML.</param>
    /// <param name="code">The status code.</param>
    public static Response Make(Request request, string title, string bodyHtml, int code)
    {
        var start = WebUtility.HtmlEncode(UrlPath.StripParams(request.Uri.AbsolutePath));
        return Response.Html(
            $"<!DOCTYPE html><html><head><title>{WebUtility.HtmlEncode(title)}</title></head><body>{bodyHtml}"
            + $"<p><a href=\"{start}\">Start over</a></p></body></html>", code);
    }
}
