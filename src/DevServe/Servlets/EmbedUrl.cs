namespace DevServe;

/// <summary>Registers <paramref name="handler"/> as a continuation and returns the URL that invokes it (Racket: <c>embed/url</c>).</summary>
public delegate string EmbedUrl(Func<Request, Response> handler);
