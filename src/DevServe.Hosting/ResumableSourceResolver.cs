using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace DevServe.Hosting;

/// <summary>Resolves <c>#load</c> as Roslyn does, and makes the loaded file's async methods resumable (<see cref="ResumableRewriter"/>).</summary>
internal sealed class ResumableSourceResolver(string baseDirectory, CSharpParseOptions options)
    : SourceFileResolver(ImmutableArray<string>.Empty, baseDirectory)
{
    public override SourceText ReadText(string resolvedPath) => ResumableRewriter.Rewrite(base.ReadText(resolvedPath), resolvedPath, options);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
