// Two counters. A top-level variable lives as long as the servlet: every request shares it.
// A local of Start lives as long as one instance (one visit to the start URL).
var moduleCount = 0;

Response Start(Request request)
{
    var instanceCount = 0;
    moduleCount++;
    instanceCount++;
    return Response.Html($"<p>module count: {moduleCount}</p><p>instance count: {instanceCount}</p>");
}
