using System.Net;

namespace DevServe;

/// <summary>The default page for an expired or unknown continuation URL.</summary>
/// <remarks>
/// Racket: the handler in servlet-dispatch.rkt ("Page Has Expired." / "Sorry, this page has expired. Please go
/// back."). Racket answers 200; DevServe answers 404 so tools and caches do not keep it as the page, and adds a
/// link to start over.
/// </remarks>
public static class ExpiredPage
{
    /// <summary>The page, with a link to the servlet's start URL (the request's path without continuation).</summary>
    public static Response Default(Request request) => WithMessage(request, "Sorry, this page has expired. Please go back.");

    /// <summary>The expired page with another explanation, for example after a servlet was reloaded.</summary>
    public static Response WithMessage(Request request, string message, int code = 404)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Internal.StartOverPage.Make(request, "Page Has Expired.", $"<p>{WebUtility.HtmlEncode(message)}</p>", code);
    }
}
