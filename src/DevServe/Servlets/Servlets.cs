namespace DevServe;

/// <summary>Turns a servlet (a <c>Start</c> function using <see cref="Web"/>) into a dispatcher.</summary>
/// <remarks>Racket: servlet-dispatch.rkt.</remarks>
public static partial class Servlets
{
}
