namespace DevServe;

/// <summary>Registers <paramref name="handler"/> as a continuation and returns the URL that invokes it (Racket: <c>embed/url</c>).</summary>
/// <param name="handler">
/// What visiting the URL runs, as the entry of a fresh flow: every <see cref="Web"/> call works in it. Synchronous
/// lambdas (<c>r =&gt; Page(r)</c>) and asynchronous ones (<c>async r =&gt; { await Web.RedirectGet(); ... }</c>) both
/// fit (a <see cref="Response"/> converts to a finished <c>Task&lt;Response&gt;</c>), and so does a method returning
/// <c>Task&lt;Response&gt;</c>; a method returning <see cref="Response"/> is passed as a lambda: <c>embed(r =&gt; Show(r))</c>.
/// </param>
public delegate string EmbedUrl(Func<Request, Task<Response>> handler);
