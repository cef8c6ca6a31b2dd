print("vcview")
