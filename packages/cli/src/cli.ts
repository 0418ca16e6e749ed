console.log("qber");
