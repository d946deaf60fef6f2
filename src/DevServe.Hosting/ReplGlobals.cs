using System.Net;
using System.Xml.Linq;

namespace DevServe.Hosting;

/// <summary>
/// What a REPL entry can call besides the script imports: <c>ShowInBrowser</c>, like HtDP's <c>show-in-browser</c>.
/// </summary>
/// <remarks>Public and outside any collectible context, as Roslyn requires of a globals type.</remarks>
public sealed class ReplGlobals
{
    private readonly List<Response> _pages = [];
    private readonly Func<string, string> _show;

    /// <summary>The path pages shown are served under: <c>/__devserve/show/N</c>.</summary>
    public const string ShowPath = "/__devserve/show/";

    /// <summary>Globals whose <c>ShowInBrowser</c> calls <paramref name="show"/> with a page's path and returns what it returns (the URL).</summary>
    public ReplGlobals(Func<string, string> show) => _show = show;

    /// <summary>Shows <paramref name="html"/> as a page in the browser; returns its URL.</summary>
    public string ShowInBrowser(string html) => Show(Response.Html(html));

    /// <summary>Shows an X-expression as a page in the browser; returns its URL.</summary>
    public string ShowInBrowser(XElement xexpr) => Show(Response.Xexpr(xexpr));

    /// <summary>Shows a response as the browser gets it; returns its URL.</summary>
    public string ShowInBrowser(Response response) => Show(response);

    /// <summary>Shows any other value as text in the browser; returns its URL.</summary>
    public string ShowInBrowser(object? value)
        => Show(Response.Html($"<!DOCTYPE html><html><head><title>Value</title></head><body><pre>{WebUtility.HtmlEncode(value?.ToString() ?? "null")}</pre></body></html>"));

    private string Show(Response response)
    {
        int number;
        lock (_pages)
        {
            _pages.Add(response);
            number = _pages.Count;
        }
        return _show(ShowPath + number);
    }

    /// <summary>How many pages have been shown so far (page N is at <see cref="ShowPath"/> + N).</summary>
    internal int ShownCount
    {
        get
        {
            lock (_pages)
            {
                return _pages.Count;
            }
        }
    }

    /// <summary>Serves the pages shown so far at their paths.</summary>
    public ValueTask<Response?> Dispatch(Request request)
    {
        if (request.Path.StartsWith(ShowPath, StringComparison.Ordinal) && int.TryParse(request.Path.AsSpan(ShowPath.Length), out var n))
        {
            lock (_pages)
            {
                if (n >= 1 && n <= _pages.Count)
                {
                    return new(_pages[n - 1]);
                }
            }
        }
        return new((Response?)null);
    }
}
