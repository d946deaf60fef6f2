namespace DevServe;

/// <summary>Answers a request, or passes it on by returning <c>null</c> so the next dispatcher can try.</summary>
/// <remarks>Racket: <c>dispatcher/c</c> in dispatchers/dispatch.rkt; <c>next-dispatcher</c> raises there, here it is <c>null</c>.</remarks>
public delegate ValueTask<Response?> Dispatcher(Request request);
