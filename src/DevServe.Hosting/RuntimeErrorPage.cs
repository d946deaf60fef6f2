using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;

namespace DevServe.Hosting;

/// <summary>
/// The page for an exception escaping a script's or plugin's servlet: the servlet's own frames first, each with its
/// file:line and source lines (as the compile-error page shows them), DevServe's and .NET's frames folded away, and
/// the request (method, URL, bindings, headers, cookies) in sections that open on a click.
/// </summary>
/// <remarks>
/// The servlet's frames are those of assemblies in a collectible load context: a script's or a plugin's, never
/// DevServe's or the framework's. The terminal gets one line (the exception and the innermost servlet frame), not a
/// stack trace.
/// </remarks>
internal static class RuntimeErrorPage
{
    /// <summary>The 500 page for <paramref name="exception"/> thrown while the servlet served <paramref name="request"/>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="exception">What escaped the servlet.</param>
    /// <param name="editor">Makes each file:line a link to the editor; <c>null</c> = plain text.</param>
    /// <param name="retries">Keeps the request for "retry with the new code"; <c>null</c> = no retry.</param>
    public static Response For(Request request, Exception exception, EditorLinks? editor = null, FixAndRetry? retries = null)
    {
        var shown = Unwrap(exception);
        var frames = new StackTrace(shown, fNeedFileInfo: true).GetFrames();
        var own = frames.Where(IsServlets).ToList();
        var place = own.FirstOrDefault() is { } top && top.GetFileName() is { } file ? $" ({Path.GetFileName(file)}:{top.GetFileLineNumber()})" : "";
        Console.Error.WriteLine($"Servlet error at {request.Uri.AbsolutePath}: {shown.GetType().Name}: {shown.Message}{place}");

        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html><head><title>Servlet error</title><style>").Append(SourceExcerpt.Style)
            .Append("</style></head><body><h1>The servlet failed</h1><p class=\"exception\"><b>").Append(Encode(shown.GetType().Name))
            .Append("</b>: ").Append(Encode(shown.Message)).Append("</p>")
            .Append(retries?.Panel(request, Conversation.Current, compiled: true) ?? "<p>Fix the code and save, then reload this page.</p>");
        foreach (var frame in own)
        {
            html.Append("<h2>").Append(Encode(NameOf(frame.GetMethod())));
            if (frame.GetFileName() is { } path && frame.GetFileLineNumber() > 0)
            {
                html.Append(" <span class=\"where\">").Append(Place(editor, path, frame.GetFileLineNumber(), Math.Max(1, frame.GetFileColumnNumber())))
                    .Append("</span></h2>");
                SourceExcerpt.Append(html, path, frame.GetFileLineNumber());
            }
            else
            {
                html.Append("</h2>");
            }
        }
        var others = frames.Where(f => !IsServlets(f)).Select(f => $"at {NameOf(f.GetMethod())}" + (f.GetFileName() is { } p ? $" in {p}:{f.GetFileLineNumber()}" : ""));
        html.Append("<details><summary>DevServe's and .NET's frames</summary><pre>").Append(Encode(string.Join('\n', others))).Append("</pre></details>");
        if (shown != exception)
        {
            html.Append("<details><summary>The whole exception</summary><pre>").Append(Encode(exception.ToString())).Append("</pre></details>");
        }
        AppendRequest(html, request);
        return Response.Html(html.Append(editor?.Script()).Append("</body></html>").ToString(), 500, "Servlet Error");
    }

    // The exception worth showing: the one inside the wrappers that only say where it travelled.
    private static Exception Unwrap(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException or TypeInitializationException
               && exception.InnerException is { } inner)
        {
            exception = inner;
        }
        return exception;
    }

    private static bool IsServlets(StackFrame frame)
        => frame.GetMethod()?.DeclaringType?.Assembly is { } assembly && AssemblyLoadContext.GetLoadContext(assembly) is { IsCollectible: true };

    // "Start" for the state machine of async Start, "a lambda in Start" for <Start>b__0_0.
    private static string NameOf(MethodBase? method)
    {
        if (method is null)
        {
            return "(unknown)";
        }
        var type = method.DeclaringType;
        if (type is not null && type.Name.StartsWith('<') && method.Name == "MoveNext")
        {
            return Between(type.Name) + (type.DeclaringType is { } outer && !IsScriptClass(outer) ? $" ({outer.Name})" : "");
        }
        if (method.Name.StartsWith('<'))
        {
            return method.Name.Contains(">g__", StringComparison.Ordinal)
                ? method.Name[(method.Name.IndexOf(">g__", StringComparison.Ordinal) + 4)..].Split('|')[0] + " (in " + Between(method.Name) + ")"
                : "a lambda in " + Between(method.Name);
        }
        return type is null || IsScriptClass(type) ? method.Name : $"{type.Name}.{method.Name}";
    }

    // A script's top level: its methods are named as the script names them.
    private static bool IsScriptClass(Type type) => type.Name == "Script" || type.Name.StartsWith("Submission#", StringComparison.Ordinal);

    private static string Between(string mangled) => mangled[1..Math.Max(1, mangled.IndexOf('>', StringComparison.Ordinal))];

    private static void AppendRequest(StringBuilder html, Request request)
    {
        html.Append("<details><summary>The request: ").Append(Encode($"{request.Method} {request.Uri.PathAndQuery}")).Append("</summary>");
        Table(html, "Bindings", request.Bindings.Select(b => (b.Name, b.File is { } f ? $"(a file: {f.FileName})" : b.Value)));
        Table(html, "Headers", request.Headers.Select(h => (h.Field, h.Value)));
        Table(html, "Cookies", request.Cookies.Select(c => (c.Name, c.Value)));
        html.Append("</details>");
    }

    private static void Table(StringBuilder html, string title, IEnumerable<(string Name, string Value)> rows)
    {
        html.Append("<h3>").Append(title).Append("</h3>");
        var any = false;
        foreach (var (name, value) in rows)
        {
            html.Append(any ? "" : "<table>").Append("<tr><td>").Append(Encode(name)).Append("</td><td>").Append(Encode(value)).Append("</td></tr>");
            any = true;
        }
        html.Append(any ? "</table>" : "<p>(none)</p>");
    }

    private static string Encode(string s) => WebUtility.HtmlEncode(s);

    /// <summary>file:line (the editor link to it, when there is an editor).</summary>
    internal static string Place(EditorLinks? editor, string path, int line, int column)
        => editor?.Link(path, line, column, $"{path}:{line}") ?? Encode($"{path}:{line}");
}
