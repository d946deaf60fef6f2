using System.Net;
using CsCheck;

namespace DevServe.Tests.Hardening;

/// <summary>Password realms decide on the same normalized path the files dispatcher resolves: no way around them.</summary>
public sealed class RealmBypassTests : IAsyncLifetime
{
    private const string Passwords = """'(("secret stuff" "^/secret(/.*)?$" (bubba "bbq")))""";
    private readonly TempDirectory _site = new();
    private LoopbackServer _server = null!;

    public async Task InitializeAsync()
    {
        _site.Write("htdocs/secret/index.html", "the secret page");
        _site.Write("htdocs/secret/deeper/plans.txt", "the secret plans");
        _site.Write("htdocs/public/index.html", "a public page");
        var passwords = _site.Write("passwords", Passwords);
        _server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Passwords(passwords), Dispatchers.Files(Path.Combine(_site.Path, "htdocs"))));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _site.Dispose();
    }

    [Theory]
    [InlineData("/secret/")]
    [InlineData("//secret/")]
    [InlineData("///secret/index.html")]
    [InlineData("/.//secret/")]
    [InlineData("/%2e//secret/")]
    [InlineData("/secret//deeper/plans.txt")]
    [InlineData("//secret//deeper//plans.txt")]
    [InlineData("/%73ecret/index.html")]
    [InlineData("/secret;x=1/index.html")]
    [InlineData("/public/%2e%2e/secret/index.html")]
    public async Task Every_spelling_of_a_protected_path_asks_for_credentials(string path)
    {
        var answer = await _server.RawAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 401 ", answer);
        Assert.DoesNotContain("the secret", answer);
    }

    [Fact]
    public async Task A_public_page_beside_the_realm_needs_no_credentials()
    {
        var answer = await _server.RawAsync("GET //public/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", answer);
        Assert.Contains("a public page", answer);
    }

    private static readonly string[] s_segments = ["", ".", "%2e", "secret", "%73ecret", "SECRET", "public", "deeper", "plans.txt",
        "index.html", "secret;p=1", "%2e%2e", "..", "secretx"];

    [Fact]
    public void A_realm_protects_a_path_exactly_when_the_file_it_names_is_under_the_realm()
    {
        var root = Path.Combine(_site.Path, "htdocs");
        var realm = Path.Combine(root, "secret");
        var passwords = Dispatchers.Passwords(Path.Combine(_site.Path, "passwords"));
        Gen.Int[0, s_segments.Length - 1].Array[1, 6].Select(Gen.Bool).Sample((indices, trailing) =>
        {
            var path = "/" + string.Join('/', indices.Select(i => s_segments[i])) + (trailing ? "/" : "");
            var uri = new Uri("http://localhost" + path);
            var request = TestRequests.Get(uri);
            var protectedByRealm = passwords(request).Result is { Code: 401 };
            if (FilesystemMap.UrlToPath(root, uri) is not { } file)
            {
                return true;   // names no file: nothing is served, whatever the realm says
            }
            var underRealm = file == realm || file.StartsWith(realm + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            return protectedByRealm == underRealm;
        }, iter: 2000);
    }
}
