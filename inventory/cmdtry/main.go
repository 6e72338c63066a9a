package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/drover/drover/inventory"
)

func main() {
	inv, err := inventory.Load(context.Background(), os.Args[1:2], inventory.Options{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	for _, h := range inv.Hosts() {
		b, _ := json.Marshal(h.Vars)
		fmt.Println(h.Name, h.Groups, string(b))
	}
	if len(os.Args) > 2 {
		hs, w, err := inv.Select(os.Args[2])
		for _, h := range hs {
			fmt.Print(h.Name, " ")
		}
		fmt.Println(w, err)
	}
	fmt.Println(inv.Warnings())
}
