package sourcemap

import (
	"reflect"
	"testing"
)

func TestDeclarations(t *testing.T) {
	src := "function a(e){return b(e)}var c=function(){},d=async()=>1;\nconst f=(x,y)=>x,g=h=>h,k=(1+2),l=m==n;function*gen(){}class Q{}"
	got := declarations(src)
	want := map[string][]pos{
		"a": {{1, 9}}, "c": {{1, 30}}, "d": {{1, 45}}, "f": {{2, 6}}, "g": {{2, 17}}, "gen": {{2, 48}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("declarations = %v, want %v", got, want)
	}
}
