using System.Collections.Concurrent;

namespace DevServe;

/// <summary>The servlets <see cref="Dispatchers.Servlets"/> has loaded, one per file; clearing it makes the next request load again.</summary>
/// <remarks>Racket: <c>make-cached-url-&gt;servlet</c> and its <c>clear-cache!</c> (which, unlike this, never shut the old servlets down).</remarks>
public sealed class ServletCache
{
    private ConcurrentDictionary<string, Lazy<ILoadedServlet>> _servlets = new(StringComparer.Ordinal);

    /// <summary>How many servlets are loaded.</summary>
    public int Count => _servlets.Count;

    internal ILoadedServlet Get(string path, IServletLoader loader)
        => _servlets.GetOrAdd(path, p => new Lazy<ILoadedServlet>(() => loader.Load(p))).Value;

    internal void Forget(string path) => _servlets.TryRemove(path, out _);

    /// <summary>Drops every loaded servlet (they are disposed: their continuations expire); the next request loads the file again.</summary>
    public async Task ClearAsync()
    {
        var old = Interlocked.Exchange(ref _servlets, new(StringComparer.Ordinal));
        foreach (var servlet in old.Values.Where(l => l.IsValueCreated))
        {
            await servlet.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
