global using Xunit;
global using PcapViz.TestSupport;
