namespace DevServe.Tests;

/// <summary>
/// Tests that run whole <c>dotnet run</c>/<c>build</c>/<c>pack</c> processes, one after another and after the parallel
/// tests: each takes both cores for seconds, which would make the suite's timing checks (a servlet beside stuck ones
/// answers within a second) measure the builds instead.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DotnetBuilds
{
    public const string Name = "dotnet builds";
}
