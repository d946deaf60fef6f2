using Microsoft.Net.Http.Headers;

namespace DevServe;

/// <summary>The <c>SameSite</c> attribute of a cookie.</summary>
public enum SameSite
{
    /// <summary>No attribute: the browser's default.</summary>
    Unspecified,
    /// <summary><c>SameSite=Lax</c>.</summary>
    Lax,
    /// <summary><c>SameSite=Strict</c>.</summary>
    Strict,
    /// <summary><c>SameSite=None</c> (browsers require <c>Secure</c> with it).</summary>
    None,
}

/// <summary>A cookie: one the server sets (<see cref="ToHeader"/>) or one the client sent (<see cref="Request.Cookies"/>).</summary>
/// <remarks>Racket: <c>make-cookie</c> and <c>cookie-&gt;header</c> in http/cookie.rkt; <c>client-cookie</c> for received ones.</remarks>
public sealed record Cookie(string Name, string Value)
{
    /// <summary>The <c>Domain</c> attribute.</summary>
    public string? Domain { get; init; }

    /// <summary>The <c>Path</c> attribute.</summary>
    public string? Path { get; init; }

    /// <summary>The <c>Expires</c> attribute.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The <c>Max-Age</c> attribute.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>The <c>Secure</c> attribute.</summary>
    public bool Secure { get; init; }

    /// <summary>The <c>HttpOnly</c> attribute.</summary>
    public bool HttpOnly { get; init; }

    /// <summary>The <c>SameSite</c> attribute.</summary>
    public SameSite SameSite { get; init; }

    /// <summary>The <c>Set-Cookie</c> header that sets this cookie.</summary>
    public Header ToHeader()
    {
        var value = new SetCookieHeaderValue(Name, Uri.EscapeDataString(Value))
        {
            Domain = Domain,
            Path = Path,
            Expires = Expires,
            MaxAge = MaxAge,
            Secure = Secure,
            HttpOnly = HttpOnly,
            SameSite = SameSite switch
            {
                SameSite.Lax => SameSiteMode.Lax,
                SameSite.Strict => SameSiteMode.Strict,
                SameSite.None => SameSiteMode.None,
                _ => SameSiteMode.Unspecified,
            },
        };
        return new Header("Set-Cookie", value.ToString());
    }

    internal static IReadOnlyList<Cookie> Parse(IReadOnlyList<Header> headers)
    {
        List<Cookie>? cookies = null;
        foreach (var header in headers)
        {
            if (!string.Equals(header.Field, "Cookie", StringComparison.OrdinalIgnoreCase)
                || !CookieHeaderValue.TryParseList(header.Value.Split(';', StringSplitOptions.TrimEntries), out var parsed))
            {
                continue;
            }
            cookies ??= [];
            foreach (var cookie in parsed)
            {
                cookies.Add(new Cookie(cookie.Name.ToString(), Uri.UnescapeDataString(cookie.Value.ToString())));
            }
        }
        return cookies is null ? [] : cookies;
    }
}
