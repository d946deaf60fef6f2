using System.Net;
using System.Text;

namespace DevServe.Hosting;

/// <summary>An error page made for the request it answers, with the editor links and the retries of the servlet's launch (either may be <c>null</c>).</summary>
/// <param name="request">The request it answers.</param>
/// <param name="conversation">The conversation the request would have resumed (a k-url of the version before), kept for the retry.</param>
/// <param name="editor">The editor links.</param>
/// <param name="retries">Where a retry is kept.</param>
internal delegate Response ErrorPage(Request request, Conversation? conversation, EditorLinks? editor, FixAndRetry? retries);

/// <summary>The page every request gets while a servlet does not compile or load: each error with its place and source lines.</summary>
internal static class CompileErrorPage
{
    /// <summary>The page for a script's compile errors.</summary>
    public static ErrorPage For(CompiledScript script) => For(script.Errors, "The servlet does not compile", "Fix the script and save");

    /// <summary>The page for <paramref name="errors"/>; an error at line 0 has no place in a source (a bad image, a missing Start).</summary>
    /// <returns>The page for one request: the request it answers (kept for a retry), the editor links and the retries.</returns>
    public static ErrorPage For(IReadOnlyList<ScriptError> errors, string heading, string advice) => (request, conversation, editor, retries) =>
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html><head><title>Compile error</title><style>").Append(SourceExcerpt.Style)
            .Append("</style></head><body><h1>").Append(Encode(heading)).Append("</h1>")
            .Append("<p>").Append(Encode(advice)).Append(".</p>")
            .Append(retries?.Panel(request, conversation, compiled: false));
        foreach (var error in errors)
        {
            html.Append("<h2>").Append(error.Line > 0 ? editor?.Link(error.Path, error.Line, error.Column, $"{error.Path}:{error.Line}:{error.Column}")
                    ?? Encode($"{error.Path}:{error.Line}:{error.Column}") : Encode(error.Path)).Append("</h2><p>")
                .Append(Encode($"{error.Id}: {error.Message}")).Append("</p>");
            if (error.Line > 0)
            {
                SourceExcerpt.Append(html, error.Path, error.Line);
            }
        }
        return Response.Html(html.Append(editor?.Script()).Append("</body></html>").ToString(), 500, "Compile Error");
    };

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
}
