using System.Net;

namespace DevServe.Internal;

/// <summary>The server's own small pages, for requests no dispatcher answered or that could not be read.</summary>
internal static class ErrorPages
{
    public static Response Status(int code, string detail, IEnumerable<Header>? headers = null)
    {
        var title = Response.StatusMessage(code);
        return Response.Html(
            $"<!DOCTYPE html><html><head><title>{code} {WebUtility.HtmlEncode(title)}</title></head>"
            + $"<body><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(detail)}</p></body></html>",
            code, title, headers);
    }

    public static readonly Response NotFound = Status(404, "No dispatcher answered this URL.");
}
