using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DevServe.Internal;

/// <summary>
/// A stateless continuation: everything needed to run a servlet back to where a page was made, carried in the
/// URL (<c>;c=…</c>) through a stuffer. A chain of frames: the start flow, then each embedded handler invoked on the
/// way (by its position among the handlers its parent embedded), each with the requests and remembered values that
/// fed it; then either the suspension to resume (<see cref="Site"/>) or the handler to invoke (<see cref="Handler"/>).
/// </summary>
/// <remarks>Short JSON names: the URL is the storage. The k-url's own path parameter is never recorded.</remarks>
internal sealed record StatelessContinuation(
    [property: JsonPropertyName("f")] StatelessFrame[] Frames,
    [property: JsonPropertyName("s")] int? Site,
    [property: JsonPropertyName("h")] int? Handler)
{
    public static readonly IStuffer<StatelessContinuation> Json = Stuffers.Serialize<StatelessContinuation>();

    /// <summary>
    /// Whether every part is there and every request can be made again. Only a server with the key makes these, but a
    /// malformed one (another version's, or a key that leaked) must be an invalid link, never an exception mid-replay.
    /// </summary>
    public bool IsWellFormed()
        => Frames is { Length: > 0 }
            && Frames.All(f => f is { Request: { } r, Entries: var entries } && r.IsWellFormed()
                && (entries ?? []).All(e => e is not null && (e.Request is null || e.Request.IsWellFormed())));
}

internal sealed record StatelessFrame(
    [property: JsonPropertyName("h")] int? Handler,
    [property: JsonPropertyName("r")] LoggedRequest Request,
    [property: JsonPropertyName("e")] LoggedEntry[] Entries);

/// <summary>A recorded step (a request fed to the suspension at <see cref="Site"/>) or a remembered <see cref="Value"/>.</summary>
internal sealed record LoggedEntry(
    [property: JsonPropertyName("r")] LoggedRequest? Request,
    [property: JsonPropertyName("s")] int Site,
    [property: JsonPropertyName("v")] JsonElement? Value);

/// <summary>What a replayed request keeps: method, path and query (without path parameters), a few headers, bindings, a small body.</summary>
internal sealed record LoggedRequest(
    [property: JsonPropertyName("m")] string Method,
    [property: JsonPropertyName("u")] string Url,
    [property: JsonPropertyName("h")] string[][]? Headers,
    [property: JsonPropertyName("b")] string[][]? Bindings,
    [property: JsonPropertyName("p")] string? Body)
{
    // Headers a servlet may reasonably branch on; cookies and credentials never go into URLs.
    private static readonly string[] s_kept = ["Content-Type", "Accept-Language"];
    private const int MaxBody = 4096;

    public static LoggedRequest From(Request request)
    {
        var headers = request.Headers.Where(h => s_kept.Contains(h.Field, StringComparer.OrdinalIgnoreCase))
            .Select(h => new[] { h.Field, h.Value }).ToArray();
        var bindings = request.Bindings.Where(b => b.File is null).Select(b => new[] { b.Name, b.Value }).ToArray();
        var form = request.Header("Content-Type")?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;
        var body = request.PostData is { Length: > 0 and <= MaxBody } data && !form ? Convert.ToBase64String(data.Span) : null;
        return new LoggedRequest(request.Method, UrlPath.StripParams(request.Uri.AbsolutePath) + request.Uri.Query,
            headers.Length == 0 ? null : headers, bindings.Length == 0 ? null : bindings, body);
    }

    /// <summary>Whether <see cref="ToRequest"/> can make this request again.</summary>
    public bool IsWellFormed()
        => !string.IsNullOrEmpty(Method) && Url is not null
            && Uri.TryCreate("http://localhost" + (Url.StartsWith('/') ? Url : "/" + Url), UriKind.Absolute, out _)
            && (Headers ?? []).All(h => h is null || h.Length != 2 || (h[0] is { Length: > 0 } && h[1] is not null))
            && (Bindings ?? []).All(b => b is null || b.Length != 2 || (b[0] is not null && b[1] is not null))
            && (Body is null || Convert.TryFromBase64String(Body, new byte[Body.Length], out _));

    /// <summary>The request again, on the server and connection of <paramref name="now"/>.</summary>
    public Request ToRequest(Request now)
    {
        var uri = new Uri(now.Uri.GetLeftPart(UriPartial.Authority) + (Url.StartsWith('/') ? Url : "/" + Url));
        return new Request(Method, uri, [.. (Headers ?? []).Where(h => h is { Length: 2 }).Select(h => new Header(h[0], h[1]))],
            new Bindings((Bindings ?? []).Where(b => b is { Length: 2 }).Select(b => new Binding(b[0], b[1]))),
            Body is null ? null : Convert.FromBase64String(Body), now.HostIp, now.HostPort, now.ClientIp)
        {
            Aborted = now.Aborted,
            Protocol = now.Protocol,
        };
    }
}

internal static class StatelessUrl
{
    private const string Key = UrlPath.StatelessParam;

    /// <summary>The k-url of <paramref name="continuation"/>, on the path of <paramref name="requestUri"/>.</summary>
    /// <param name="requestUri">The request being answered.</param>
    /// <param name="continuation">What the URL carries.</param>
    /// <param name="stuffer">The servlet's stuffer.</param>
    /// <param name="mayStore">
    /// Whether the stuffer's hash store may keep what does not fit in the URL. Not for a request that came in without a
    /// link: anyone can send those, as large as the limits allow, so they would fill the store (the first page of a
    /// conversation is made from a plain GET and fits).
    /// </param>
    /// <exception cref="SendBackException">The continuation needs the store and it may not be used: a 413 page.</exception>
    public static string Format(Uri requestUri, StatelessContinuation continuation, IStuffer<byte[]> stuffer, bool mayStore)
        => Format(requestUri, StatelessContinuation.Json.In(continuation), stuffer, mayStore);

    /// <summary>The stuffed value of the URL's <c>;c=</c> parameter, or <c>null</c> when it has none.</summary>
    public static string? Find(Uri uri)
    {
        var path = uri.AbsolutePath;
        var at = path.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var value = path[(at + Key.Length)..];
        var end = value.IndexOfAny(['/', ';']);
        return end < 0 ? value : value[..end];
    }

    /// <summary>The continuation's bytes, if the stuffer (signature first) accepts the URL's value: nothing else is read before.</summary>
    /// <exception cref="StoreUnavailableException">The value is a key into the hash store, which cannot be reached.</exception>
    public static bool TryUnstuff(string value, IStuffer<byte[]> stuffer, out byte[] bytes)
    {
        if (value.All(char.IsAscii) && stuffer.TryOut(Encoding.ASCII.GetBytes(value), out var read) && read is not null)
        {
            bytes = read;
            return true;
        }
        bytes = [];
        return false;
    }

    /// <summary>The URL of a continuation already in bytes (<see cref="FrameToken"/>).</summary>
    /// <exception cref="SendBackException">It needs the store and may not use it: a 413 page.</exception>
    public static string Format(Uri requestUri, byte[] continuation, IStuffer<byte[]> stuffer, bool mayStore)
    {
        try
        {
            var stuffed = mayStore ? stuffer.In(continuation) : Stuffers.WithoutStore(() => stuffer.In(continuation));
            return UrlPath.StripParams(requestUri.AbsolutePath) + Key + Encoding.ASCII.GetString(stuffed);
        }
        catch (StoreRefusedException)
        {
            throw new SendBackException(ErrorPages.Status(413,
                "This request is too large to start a conversation with: its continuation does not fit in a link. "
                + "Start from the servlet's first page."));
        }
        catch (StoreUnavailableException)
        {
            throw new SendBackException(StoreUnavailable);
        }
        catch (ValueTooLargeException)
        {
            throw new SendBackException(ErrorPages.Status(413,
                "This conversation has grown larger than the server's link store keeps. Start from the servlet's first page."));
        }
    }

    /// <summary>The page for a link that needs the hash store while it cannot be reached: try again later, nothing is lost.</summary>
    public static Response StoreUnavailable { get; } = ErrorPages.Status(503,
        "This page's conversation is kept in the server's link store, which cannot be reached just now. Nothing is lost: "
        + "try again in a moment.", [new Header("Retry-After", "5")]);

    public static bool TryRead(byte[] bytes, out StatelessContinuation continuation)
    {
        continuation = null!;
        if (StatelessContinuation.Json.TryOut(bytes, out var read) && read.IsWellFormed())
        {
            continuation = read;
            return true;
        }
        return false;
    }
}
