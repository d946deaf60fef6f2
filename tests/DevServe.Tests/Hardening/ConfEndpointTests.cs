using System.Net;

namespace DevServe.Tests.Hardening;

/// <summary>A configured site's <c>/conf/</c> URLs answer only this machine, and collect garbage at most every few seconds.</summary>
public sealed class ConfEndpointTests : IDisposable
{
    private readonly TempDirectory _site = new();

    public ConfEndpointTests()
    {
        _site.Write("htdocs/index.html", "home");
        _site.Write("passwords", """'(("secret stuff" "^/secret(/.*)?$" (bubba "bbq")))""");
    }

    public void Dispose() => _site.Dispose();

    private WebConfig Config => new() { BaseDirectory = _site.Path, ListenIp = "127.0.0.1" };

    [Theory]
    [InlineData("/conf/refresh-servlets")]
    [InlineData("/conf/collect-garbage")]
    [InlineData("/conf/refresh-passwords")]
    [InlineData("//conf//collect-garbage")]
    public async Task A_conf_url_from_another_machine_is_forbidden(string path)
    {
        await using var site = new WebServerUnit(Config with { ListenIp = null }, loader: null);
        var answer = await site.Dispatch(TestRequests.Get(new Uri("http://localhost" + path), clientIp: "203.0.113.9"));
        Assert.Equal(403, answer!.Code);
        var local = await site.Dispatch(TestRequests.Get(new Uri("http://localhost" + path), clientIp: "127.0.0.1"));
        Assert.Equal(200, local!.Code);
    }

    [Theory]
    [InlineData("cross-site", 403)]
    [InlineData("same-site", 403)]
    [InlineData("same-origin", 200)]
    [InlineData("none", 200)]
    public async Task A_conf_url_that_another_site_made_the_browser_request_is_forbidden(string fetchSite, int code)
    {
        await using var site = new WebServerUnit(Config, loader: null);
        var answer = await site.Dispatch(TestRequests.Get(new Uri("http://localhost/conf/refresh-servlets"), "127.0.0.1",
            new Header("Sec-Fetch-Site", fetchSite)));
        Assert.Equal(code, answer!.Code);
    }

    [Fact]
    public async Task Other_pages_still_answer_other_machines()
    {
        await using var site = new WebServerUnit(Config with { ListenIp = null }, loader: null);
        var answer = await site.Dispatch(TestRequests.Get(new Uri("http://localhost/index.html"), clientIp: "203.0.113.9"));
        Assert.Equal(200, answer!.Code);
    }

    [Fact]
    public async Task Collecting_garbage_again_at_once_gets_429_with_retry_after()
    {
        await using var server = await LoopbackServer.StartSiteAsync(Config);
        var first = await server.Client.GetAsync("/conf/collect-garbage");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var before = GC.CollectionCount(2);
        var second = await server.Client.GetAsync("/conf/collect-garbage");
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter?.Delta);
        Assert.Equal(before, GC.CollectionCount(2));
    }
}
