using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.WebUtilities;

namespace DevServe;

/// <summary>An HTTP response: status, headers and a procedure that writes the body.</summary>
/// <remarks>
/// Racket: <c>response</c> in http/response-structs.rkt. A response whose headers carry a <c>Content-Length</c> is
/// sent as is; one without is streamed with chunked transfer encoding (or until the connection closes, for HTTP/1.0).
/// A <c>HEAD</c> request gets the headers only: <see cref="Output"/> is not called.
/// </remarks>
public sealed class Response
{
    /// <summary>
    /// A finished task of <paramref name="response"/>: lets a synchronous lambda stand where an asynchronous handler is
    /// wanted (<see cref="EmbedUrl"/>), as <c>r =&gt; Response.Html(...)</c>.
    /// </summary>
    /// <param name="response">The response.</param>
    /// <remarks>
    /// Where an API offers both <c>Func&lt;object&gt;</c> and <c>Func&lt;Task&gt;</c> (xUnit's <c>Assert.Throws</c>), a lambda
    /// returning a <see cref="Response"/> now takes the second: write it as a statement lambda, <c>() =&gt; { ...; }</c>.
    /// </remarks>
#pragma warning disable CA2225 // Task.FromResult is the named alternative
    public static implicit operator Task<Response>(Response response) => Task.FromResult(response);
#pragma warning restore CA2225

    /// <summary>The MIME type of HTML pages: <c>text/html; charset=utf-8</c>.</summary>
    public const string HtmlMime = "text/html; charset=utf-8";

    private static readonly Func<Stream, Task> s_noOutput = _ => Task.CompletedTask;
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>The status code (100–999).</summary>
    public int Code { get; init; } = 200;

    /// <summary>The reason phrase of the status line.</summary>
    public string Message { get; init; } = "OK";

    /// <summary>The time sent as <c>Last-Modified</c> (unless a header sets it).</summary>
    public DateTimeOffset Seconds { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The <c>Content-Type</c>, or <c>null</c> for none.</summary>
    public string? Mime { get; init; } = HtmlMime;

    /// <summary>Further headers, sent after the server's own.</summary>
    public IReadOnlyList<Header> Headers { get; init; } = [];

    private readonly Func<Stream, Task>? _output;

    /// <summary>Writes the body to the connection's stream.</summary>
    public Func<Stream, Task> Output
    {
        // A body known up front is written by the server directly; the delegate is only made when asked for.
        get => _output ?? (Body is { } body ? stream => stream.WriteAsync(body).AsTask() : s_noOutput);
        init => _output = value;
    }

    // The whole body when it is known up front, so the server can write it without calling Output.
    internal ReadOnlyMemory<byte>? Body { get; private init; }

    /// <summary>A response with a body known up front; adds <c>Content-Length</c> (Racket: <c>response/full</c>).</summary>
    public static Response Full(int code, string? message, DateTimeOffset? seconds, string? mime,
        IEnumerable<Header>? headers, IEnumerable<byte[]> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var parts = body as byte[][] ?? [.. body];
        var bytes = parts.Length == 1 ? parts[0] : Concat(parts);
        return WithBody(code, message, seconds, mime, headers, null, bytes);
    }

    /// <summary>An HTML page (Racket: <c>response/xexpr</c> over a string).</summary>
    public static Response Html(string html, int code = 200, string? message = null,
        IEnumerable<Header>? headers = null, IEnumerable<Cookie>? cookies = null, string? mime = HtmlMime)
        => WithBody(code, message, null, mime, headers, cookies, Encoding.UTF8.GetBytes(html));

    /// <summary>A plain text response (<c>text/plain; charset=utf-8</c>).</summary>
    public static Response Text(string text, int code = 200, string? message = null,
        IEnumerable<Header>? headers = null, IEnumerable<Cookie>? cookies = null)
        => WithBody(code, message, null, "text/plain; charset=utf-8", headers, cookies, Encoding.UTF8.GetBytes(text));

    /// <summary>An HTML page from an <see cref="XElement"/>, the x-expression of C# (Racket: <c>response/xexpr</c>).</summary>
    /// <param name="html">The page, written as HTML without formatting: void elements as <c>&lt;br /&gt;</c>, every other element with an end tag.</param>
    /// <param name="preamble">Text written before the element, for example <c>&lt;!DOCTYPE html&gt;</c>.</param>
    /// <param name="code">The status code.</param>
    /// <param name="message">The reason phrase; <c>null</c> takes the standard one.</param>
    /// <param name="headers">Further headers.</param>
    /// <param name="cookies">Cookies to set.</param>
    /// <param name="mime">The content type.</param>
    public static Response Xexpr(XElement html, string preamble = "", int code = 200, string? message = null,
        IEnumerable<Header>? headers = null, IEnumerable<Cookie>? cookies = null, string? mime = HtmlMime)
    {
        ArgumentNullException.ThrowIfNull(html);
        return WithBody(code, message, null, mime, headers, cookies,
            Encoding.UTF8.GetBytes(preamble + Internal.HtmlSerializer.Write(html)));
    }

    /// <summary>A JSON response (<c>application/json; charset=utf-8</c>; Racket: <c>response/jsexpr</c>).</summary>
    public static Response Json(object? value, int code = 200, string? message = null,
        IEnumerable<Header>? headers = null, IEnumerable<Cookie>? cookies = null)
        => WithBody(code, message, null, "application/json; charset=utf-8", headers, cookies,
            JsonSerializer.SerializeToUtf8Bytes(value, value?.GetType() ?? typeof(object), s_json));

    /// <summary>A response with no body: 204 No Content by default (Racket: <c>response/empty</c>).</summary>
    public static Response Empty(int code = 204, string? message = null, IEnumerable<Header>? headers = null,
        IEnumerable<Cookie>? cookies = null)
        => WithBody(code, message, null, null, headers, cookies, []);

    /// <summary>A streamed response: <paramref name="output"/> writes the body, sent chunked (Racket: <c>response/output</c>).</summary>
    public static Response Streamed(Func<Stream, Task> output, int code = 200, string? message = null,
        string? mime = HtmlMime, IEnumerable<Header>? headers = null, IEnumerable<Cookie>? cookies = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        return new Response
        {
            Code = code,
            Message = message ?? StatusMessage(code),
            Mime = mime,
            Headers = JoinHeaders(headers, cookies),
            Output = output,
        };
    }

    /// <summary>A redirect with no body, <c>Location</c> first (Racket: <c>redirect-to</c>; DevServe defaults to 303).</summary>
    public static Response RedirectTo(string url, RedirectionStatus status = RedirectionStatus.SeeOther,
        IEnumerable<Header>? headers = null, IEnumerable<Cookie>? cookies = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        IEnumerable<Header> all = [new Header("Location", url), .. headers ?? []];
        return WithBody((int)status, null, null, null, all, cookies, []);
    }

    /// <summary>The standard reason phrase of <paramref name="code"/>, or "OK" for an unknown one (as Racket does).</summary>
    public static string StatusMessage(int code) => code switch
    {
        206 => "Partial content",
        416 => "Invalid range request",
        _ => ReasonPhrases.GetReasonPhrase(code) is { Length: > 0 } phrase ? phrase : "OK",
    };

    /// <summary>A response whose body is <paramref name="body"/>, written by the server with <c>Content-Length</c> (a file read at once).</summary>
    internal static Response WithKnownBody(int code, string message, DateTimeOffset seconds, string? mime, IReadOnlyList<Header> headers,
        ReadOnlyMemory<byte> body)
        => new() { Code = code, Message = message, Seconds = seconds, Mime = mime, Headers = headers, Body = body };

    private static Response WithBody(int code, string? message, DateTimeOffset? seconds, string? mime,
        IEnumerable<Header>? headers, IEnumerable<Cookie>? cookies, byte[] bytes)
    {
        if (code is < 100 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "A status code is between 100 and 999.");
        }
        return new Response
        {
            Code = code,
            Message = message ?? StatusMessage(code),
            Seconds = seconds ?? DateTimeOffset.UtcNow,
            Mime = mime,
            Headers = JoinHeaders(headers, cookies),
            Body = bytes,
        };
    }

    private static Header[] JoinHeaders(IEnumerable<Header>? headers, IEnumerable<Cookie>? cookies)
    {
        if (cookies is null)
        {
            return headers is null ? [] : [.. headers];
        }
        return [.. headers ?? [], .. cookies.Select(c => c.ToHeader())];
    }

    private static byte[] Concat(byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, at);
            at += part.Length;
        }
        return all;
    }
}
