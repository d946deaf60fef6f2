using System.Net;
using System.Text;

namespace DevServe.Hosting;

/// <summary>The page every request gets while a servlet does not compile or load: each error with its place and source lines.</summary>
internal static class CompileErrorPage
{
    public static Response For(CompiledScript script) => For(script.Errors, "The servlet does not compile", "Fix the script and save");

    /// <summary>The page for <paramref name="errors"/>; an error at line 0 has no place in a source (a bad image, a missing Start).</summary>
    public static Response For(IReadOnlyList<ScriptError> errors, string heading, string advice)
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html><head><title>Compile error</title><style>").Append(SourceExcerpt.Style)
            .Append("</style></head><body><h1>").Append(Encode(heading)).Append("</h1>")
            .Append("<p>").Append(Encode(advice)).Append(": this page reloads the new version.</p>");
        foreach (var error in errors)
        {
            html.Append("<h2>").Append(Encode(error.Line > 0 ? $"{error.Path}:{error.Line}:{error.Column}" : error.Path)).Append("</h2><p>")
                .Append(Encode($"{error.Id}: {error.Message}")).Append("</p>");
            if (error.Line > 0)
            {
                SourceExcerpt.Append(html, error.Path, error.Line);
            }
        }
        return Response.Html(html.Append("</body></html>").ToString(), 500, "Compile Error");
    }

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
}
