namespace DevServe.Tests;

/// <summary>Requests made in-process, for claims that need no socket.</summary>
public static class TestRequests
{
    /// <summary>A GET of <paramref name="uri"/> from <paramref name="clientIp"/>, with a Host header naming the URI's authority.</summary>
    public static Request Get(Uri uri, string clientIp = "127.0.0.1", params Header[] headers)
        => new("GET", uri, [new Header("Host", uri.Authority), .. headers], Bindings.Empty, null, "127.0.0.1", uri.Port, clientIp);
}
